package reconcile

import (
	"errors"
	"testing"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrlreconcile "sigs.k8s.io/controller-runtime/pkg/reconcile"

	sourcev1 "github.com/eddy-gitops/eddy/api/source/v1"
)

func TestSummarize(t *testing.T) {
	table := Conditions{Negative: []string{"FetchFailed"}, Positive: []string{"ArtifactInStorage"}}
	type cond struct {
		status metav1.ConditionStatus
		reason string
	}
	tests := []struct {
		name        string
		before      func(obj *sourcev1.GitRepository)
		err         error
		want        map[string]cond // condition type -> status/reason; absent types must not exist
		wantOutcome outcome
	}{
		{
			name: "success marks Ready and clears Reconciling and Stalled",
			before: func(obj *sourcev1.GitRepository) {
				conditions.MarkReconciling(obj, meta.ProgressingReason, "working")
				conditions.MarkStalled(obj, "Old", "old")
				conditions.MarkTrue(obj, "ArtifactInStorage", meta.SucceededReason, "stored")
			},
			want: map[string]cond{
				meta.ReadyCondition: {metav1.ConditionTrue, meta.SucceededReason},
				"ArtifactInStorage": {metav1.ConditionTrue, meta.SucceededReason},
			},
			wantOutcome: succeeded,
		},
		{
			name: "stalling error marks Stalled and Ready=False with its reason, no Reconciling",
			before: func(obj *sourcev1.GitRepository) {
				conditions.MarkReconciling(obj, meta.ProgressingReason, "working")
			},
			err: NewStalling("URLInvalid", "bad url"),
			want: map[string]cond{
				meta.ReadyCondition:   {metav1.ConditionFalse, "URLInvalid"},
				meta.StalledCondition: {metav1.ConditionTrue, "URLInvalid"},
			},
			wantOutcome: stalled,
		},
		{
			name: "waiting error keeps Reconciling with retry, Ready=False with its reason",
			err:  NewWaiting(meta.DependencyNotReadyReason, time.Second, "dependency not ready"),
			want: map[string]cond{
				meta.ReadyCondition:       {metav1.ConditionFalse, meta.DependencyNotReadyReason},
				meta.ReconcilingCondition: {metav1.ConditionTrue, meta.ProgressingWithRetryReason},
			},
			wantOutcome: waiting,
		},
		{
			name: "generic error clears Stalled and reports its reason",
			before: func(obj *sourcev1.GitRepository) {
				conditions.MarkStalled(obj, "Old", "old")
				conditions.MarkTrue(obj, "FetchFailed", "AuthenticationFailed", "401")
			},
			err: &Generic{Reason: "AuthenticationFailed", Err: errors.New("401")},
			want: map[string]cond{
				meta.ReadyCondition:       {metav1.ConditionFalse, "AuthenticationFailed"},
				meta.ReconcilingCondition: {metav1.ConditionTrue, meta.ProgressingWithRetryReason},
				"FetchFailed":             {metav1.ConditionTrue, "AuthenticationFailed"},
			},
			wantOutcome: failed,
		},
		{
			name: "a plain error is Failed",
			err:  errors.New("boom"),
			want: map[string]cond{
				meta.ReadyCondition:       {metav1.ConditionFalse, meta.FailedReason},
				meta.ReconcilingCondition: {metav1.ConditionTrue, meta.ProgressingWithRetryReason},
			},
			wantOutcome: failed,
		},
		{
			name: "no error but a negative condition left True is not Ready",
			before: func(obj *sourcev1.GitRepository) {
				conditions.MarkTrue(obj, "FetchFailed", "GitOperationFailed", "timeout")
			},
			want: map[string]cond{
				meta.ReadyCondition:       {metav1.ConditionFalse, "GitOperationFailed"},
				meta.ReconcilingCondition: {metav1.ConditionTrue, meta.ProgressingWithRetryReason},
				"FetchFailed":             {metav1.ConditionTrue, "GitOperationFailed"},
			},
			wantOutcome: failed,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj := &sourcev1.GitRepository{}
			obj.Spec.Interval = metav1.Duration{Duration: time.Minute}
			if tt.before != nil {
				tt.before(obj)
			}
			got := Summarize(obj, table, tt.err, "", "all good")
			if got.outcome != tt.wantOutcome {
				t.Errorf("outcome = %v, want %v", got.outcome, tt.wantOutcome)
			}
			for _, c := range obj.GetConditions() {
				want, ok := tt.want[c.Type]
				if !ok {
					t.Errorf("unexpected condition %s=%s (%s)", c.Type, c.Status, c.Reason)
					continue
				}
				if c.Status != want.status || c.Reason != want.reason {
					t.Errorf("%s = %s/%s, want %s/%s", c.Type, c.Status, c.Reason, want.status, want.reason)
				}
			}
			if len(obj.GetConditions()) != len(tt.want) {
				t.Errorf("got %d conditions, want %d", len(obj.GetConditions()), len(tt.want))
			}
		})
	}
}

// TestSummarize_KeepsTransitionTime: a success that repeats the previous one leaves Ready as it
// was, lastTransitionTime included, whatever the kind's Ready reason; otherwise every steady-state
// reconcile would write the status.
func TestSummarize_KeepsTransitionTime(t *testing.T) {
	for _, reason := range []string{"", "ReconciliationSucceeded"} {
		obj := &sourcev1.GitRepository{}
		want := reason
		if want == "" {
			want = meta.SucceededReason
		}
		past := metav1.NewTime(time.Now().Add(-time.Hour).Truncate(time.Second))
		obj.Status.Conditions = []metav1.Condition{{Type: meta.ReadyCondition, Status: metav1.ConditionTrue,
			Reason: want, Message: "all good", LastTransitionTime: past}}
		Summarize(obj, Conditions{}, nil, reason, "all good")
		got := conditions.Get(obj, meta.ReadyCondition)
		if got.Reason != want || !got.LastTransitionTime.Equal(&past) {
			t.Errorf("reason %q: Ready = %s at %s, want %s at %s", reason, got.Reason, got.LastTransitionTime, want, past)
		}
	}
}

func TestToCtrl(t *testing.T) {
	obj := &sourcev1.GitRepository{}
	obj.Spec.Interval = metav1.Duration{Duration: time.Minute}

	res, err := summary{outcome: succeeded}.toCtrl(obj, nil)
	if err != nil || res.RequeueAfter < time.Minute/2 || res.RequeueAfter > 2*time.Minute {
		t.Errorf("success: got %v, %v; want a requeue near the interval", res, err)
	}
	_, err = summary{outcome: stalled}.toCtrl(obj, NewStalling("X", "x"))
	if !errors.Is(err, ctrlreconcile.TerminalError(nil)) {
		t.Errorf("stalled: want a terminal error, got %v", err)
	}
	res, err = summary{outcome: waiting, requeueAfter: 3 * time.Second}.toCtrl(obj, NewWaiting("W", 3*time.Second, "w"))
	if err != nil || res.RequeueAfter != 3*time.Second {
		t.Errorf("waiting: got %v, %v", res, err)
	}
	boom := errors.New("boom")
	if _, err = (summary{outcome: failed}).toCtrl(obj, boom); !errors.Is(err, boom) {
		t.Errorf("failed: want the error back for backoff, got %v", err)
	}
}

func TestReasonOf(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want string
	}{
		{NewStalling("A", "a"), "A"},
		{NewWaiting("B", 0, "b"), "B"},
		{NewGeneric("C", "c"), "C"},
		{errors.Join(errors.New("x"), NewGeneric("D", "d")), "D"},
		{errors.New("plain"), meta.FailedReason},
	} {
		if got := ReasonOf(tt.err); got != tt.want {
			t.Errorf("ReasonOf(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}
