package reconcile

import (
	"context"
	"errors"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	"github.com/fluxcd/pkg/runtime/jitter"
	corev1 "k8s.io/api/core/v1"
	kuberecorder "k8s.io/client-go/tools/record"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrlreconcile "sigs.k8s.io/controller-runtime/pkg/reconcile"
)

// Object is a Flux-style object: a Kubernetes object with status conditions and an interval.
type Object interface {
	client.Object
	conditions.Setter
	// GetRequeueAfter is the interval after which a successfully reconciled object is
	// reconciled again.
	GetRequeueAfter() time.Duration
}

// Conditions is a kind's condition table.
type Conditions struct {
	// Negative are the negative-polarity conditions that steps set while something is wrong
	// (FetchFailed, BuildFailed, ...). They exist only while True.
	Negative []string
	// Positive are conditions that must be True for the object to be Ready (ArtifactInStorage,
	// Healthy, ...).
	Positive []string
}

// Finish describes how to finish one reconcile.
type Finish struct {
	// Patcher writes the object; it remembers the object as it was read (or last written).
	Patcher *Patcher
	// Conditions is the kind's condition table.
	Conditions Conditions
	// FieldOwner is the status field manager, e.g. "source-controller".
	FieldOwner string
	// Recorder receives a Warning event for a failed reconcile (nil: none).
	Recorder kuberecorder.EventRecorder
	// ReadyMessage is the Ready=True message on success.
	ReadyMessage string
	// ReadyReason is the Ready=True reason on success; empty means meta.SucceededReason. Kinds
	// whose Flux counterpart uses another reason (Kustomization: ReconciliationSucceeded) set it.
	ReadyReason string
}

// Apply is deferred by every reconciler. It sets Ready, Reconciling and Stalled from recErr and
// the condition table, copies the handled reconcile request, writes the object (at most one
// metadata request and one status request, nothing when nothing changed) and returns the result
// controller-runtime should act on.
func (f Finish) Apply(ctx context.Context, obj Object, recErr error) (ctrl.Result, error) {
	result := Summarize(obj, f.Conditions, recErr, f.ReadyReason, f.ReadyMessage)
	if v, ok := meta.ReconcileAnnotationValue(obj.GetAnnotations()); ok {
		setLastHandledReconcileAt(obj, v)
	}

	opts := []PatchOption{WithFieldOwner(f.FieldOwner)}
	if conditions.IsReady(obj) || conditions.IsStalled(obj) {
		// Only an outcome describes the spec; a retry keeps the last generation it described.
		opts = append(opts, WithObservedGeneration())
	}
	if err := f.Patcher.Patch(ctx, obj, opts...); err != nil {
		if !obj.GetDeletionTimestamp().IsZero() && client.IgnoreNotFound(err) == nil {
			// The object is gone: our finalizer was the last one.
			return ctrl.Result{}, nil
		}
		recErr = errors.Join(recErr, err)
		return ctrl.Result{}, recErr
	}
	if !obj.GetDeletionTimestamp().IsZero() && len(obj.GetFinalizers()) == 0 {
		// The Patcher removed the last finalizer and the API server deleted the object.
		return ctrl.Result{}, nil
	}

	if recErr != nil && f.Recorder != nil {
		f.Recorder.Event(obj, corev1.EventTypeWarning, ReasonOf(recErr), recErr.Error())
	}
	return result.toCtrl(obj, recErr)
}

// outcome is what Summarize decided.
type outcome int

const (
	succeeded outcome = iota
	stalled
	waiting
	failed
)

type summary struct {
	outcome      outcome
	requeueAfter time.Duration
}

// Summarize sets Ready, Reconciling and Stalled on obj from recErr and the condition table; a
// success is Ready=True with readyReason (empty: meta.SucceededReason) and readyMessage. It is a
// pure function of its inputs, so every kind's status logic is tested once, here. Ready is set
// once: setting it with another reason first would move its lastTransitionTime and make a
// steady-state reconcile write the status.
func Summarize(obj Object, c Conditions, recErr error, readyReason, readyMessage string) summary {
	var (
		stall *Stalling
		wait  *Waiting
	)
	switch {
	case recErr == nil:
		conditions.Delete(obj, meta.StalledCondition)
		if reason, msg, bad := firstProblem(obj, c); bad {
			// A step left a problem behind without returning an error; report it, keep retrying.
			conditions.MarkFalse(obj, meta.ReadyCondition, reason, "%s", msg)
			conditions.MarkReconciling(obj, meta.ProgressingWithRetryReason, "%s", msg)
			return summary{outcome: failed}
		}
		conditions.Delete(obj, meta.ReconcilingCondition)
		if readyReason == "" {
			readyReason = meta.SucceededReason
		}
		conditions.MarkTrue(obj, meta.ReadyCondition, readyReason, "%s", readyMessage)
		return summary{outcome: succeeded}
	case errors.As(recErr, &stall):
		conditions.Delete(obj, meta.ReconcilingCondition)
		conditions.MarkStalled(obj, stall.Reason, "%s", stall.Err)
		conditions.MarkFalse(obj, meta.ReadyCondition, stall.Reason, "%s", stall.Err)
		return summary{outcome: stalled}
	case errors.As(recErr, &wait):
		conditions.Delete(obj, meta.StalledCondition)
		conditions.MarkFalse(obj, meta.ReadyCondition, wait.Reason, "%s", wait.Err)
		conditions.MarkReconciling(obj, meta.ProgressingWithRetryReason, "%s", wait.Err)
		return summary{outcome: waiting, requeueAfter: wait.RequeueAfter}
	default:
		conditions.Delete(obj, meta.StalledCondition)
		conditions.MarkFalse(obj, meta.ReadyCondition, ReasonOf(recErr), "%s", recErr)
		conditions.MarkReconciling(obj, meta.ProgressingWithRetryReason, "%s", recErr)
		return summary{outcome: failed}
	}
}

// firstProblem reports the first negative condition that is True, or positive one that is not.
func firstProblem(obj Object, c Conditions) (reason, message string, found bool) {
	for _, t := range c.Negative {
		if conditions.IsTrue(obj, t) {
			return conditions.GetReason(obj, t), conditions.GetMessage(obj, t), true
		}
	}
	for _, t := range c.Positive {
		if !conditions.IsTrue(obj, t) && conditions.Has(obj, t) {
			return conditions.GetReason(obj, t), conditions.GetMessage(obj, t), true
		}
	}
	return "", "", false
}

func (s summary) toCtrl(obj Object, recErr error) (ctrl.Result, error) {
	switch s.outcome {
	case succeeded:
		return ctrl.Result{RequeueAfter: jitter.JitteredIntervalDuration(obj.GetRequeueAfter())}, nil
	case stalled:
		return ctrl.Result{}, ctrlreconcile.TerminalError(recErr)
	case waiting:
		return ctrl.Result{RequeueAfter: s.requeueAfter}, nil
	default:
		if recErr == nil {
			return ctrl.Result{RequeueAfter: obj.GetRequeueAfter()}, nil
		}
		return ctrl.Result{}, recErr
	}
}

// ReasonOf returns the Flux reason an error carries, or Failed.
func ReasonOf(err error) string {
	var (
		stall *Stalling
		wait  *Waiting
		gen   *Generic
	)
	switch {
	case errors.As(err, &stall):
		return stall.Reason
	case errors.As(err, &wait):
		return wait.Reason
	case errors.As(err, &gen) && gen.Reason != "":
		return gen.Reason
	}
	return meta.FailedReason
}
