package imageupdateautomation

import (
	"errors"
	"fmt"
	"testing"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	imagev1 "github.com/eddy-gitops/eddy/api/image/v1"
	sourcev1 "github.com/eddy-gitops/eddy/api/source/v1"
	"github.com/eddy-gitops/eddy/image-automation-controller/internal/gitpush"
	"github.com/eddy-gitops/eddy/image-automation-controller/internal/update"
	"github.com/eddy-gitops/eddy/pkg/reconcile"
)

func TestParseTemplate(t *testing.T) {
	tests := []struct {
		name     string
		template string
		wantErr  string
		removed  bool
	}{
		{name: "empty uses the default"},
		{name: "Changed, AutomationObject and Values", template: "{{ .AutomationObject }} {{ range .Changed.Changes }}{{ .NewValue }}{{ end }} {{ .Values.x }}"},
		{name: "Updated at top level", template: "{{ .Updated }}", removed: true},
		{name: "Updated inside range", template: "{{ range .Updated.Images }}{{ . }}{{ end }}", removed: true},
		{name: "Updated inside if/else", template: "{{ if .Values }}x{{ else }}{{ .Updated.Files }}{{ end }}", removed: true},
		{name: "a value named Updated is fine", template: "{{ .Values.Updated }}"},
		{name: "unknown field", template: "{{ .Nope }}", wantErr: "can't evaluate field Nope"},
		{name: "syntax error", template: "{{ .Changed ", wantErr: "invalid commit message template"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			obj := &imagev1.ImageUpdateAutomation{Spec: imagev1.ImageUpdateAutomationSpec{
				GitSpec: &imagev1.GitSpec{Commit: imagev1.CommitSpec{MessageTemplate: tt.template}},
			}}
			tmpl, err := parseTemplate(obj)
			switch {
			case tt.removed:
				g.Expect(errors.As(err, new(errRemovedField))).To(BeTrue(), "%v", err)
			case tt.wantErr != "":
				g.Expect(err).To(MatchError(ContainSubstring(tt.wantErr)))
			default:
				g.Expect(err).NotTo(HaveOccurred())
				g.Expect(tmpl).NotTo(BeNil())
			}
		})
	}
}

func TestCheckout(t *testing.T) {
	push := &imagev1.PushSpec{Branch: "auto"}
	tests := []struct {
		name       string
		checkout   *imagev1.GitCheckoutSpec
		push       *imagev1.PushSpec
		repoRef    *sourcev1.GitRepositoryRef
		wantBranch string
		wantRef    gitpush.CheckoutRef
		wantErr    string
	}{
		{name: "default branch", wantBranch: "master"},
		{name: "GitRepository branch", repoRef: &sourcev1.GitRepositoryRef{Branch: "main"}, wantBranch: "main"},
		{name: "checkout wins", checkout: &imagev1.GitCheckoutSpec{Reference: imagev1.GitRepositoryRef{Branch: "dev"}}, repoRef: &sourcev1.GitRepositoryRef{Branch: "main"}, wantBranch: "dev"},
		{name: "GitRepository tag without push branch", repoRef: &sourcev1.GitRepositoryRef{Tag: "v1"}, wantErr: "checking out tag 'v1' needs spec.git.push.branch"},
		{name: "GitRepository tag with push branch", repoRef: &sourcev1.GitRepositoryRef{Tag: "v1"}, push: push, wantRef: gitpush.CheckoutRef{Tag: "v1"}},
		{name: "checkout commit on a branch", checkout: &imagev1.GitCheckoutSpec{Reference: imagev1.GitRepositoryRef{Branch: "main", Commit: "abc"}}, push: push,
			wantBranch: "main", wantRef: gitpush.CheckoutRef{Commit: "abc"}},
		{name: "checkout semver without push branch", checkout: &imagev1.GitCheckoutSpec{Reference: imagev1.GitRepositoryRef{SemVer: ">=1"}},
			push: &imagev1.PushSpec{Refspec: "refs/heads/x:refs/heads/y"}, wantErr: "checking out semver range '>=1' needs spec.git.push.branch"},
		{name: "checkout name with push branch", checkout: &imagev1.GitCheckoutSpec{Reference: imagev1.GitRepositoryRef{Name: "refs/pull/1/head"}}, push: push,
			wantRef: gitpush.CheckoutRef{Name: "refs/pull/1/head"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			obj := &imagev1.ImageUpdateAutomation{Spec: imagev1.ImageUpdateAutomationSpec{GitSpec: &imagev1.GitSpec{Checkout: tt.checkout, Push: tt.push}}}
			repo := &sourcev1.GitRepository{Spec: sourcev1.GitRepositorySpec{Reference: tt.repoRef}}
			branch, ref, err := checkout(obj, repo)
			if tt.wantErr != "" {
				g.Expect(err).To(MatchError(ContainSubstring(tt.wantErr)))
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(branch).To(Equal(tt.wantBranch))
			g.Expect(ref).To(Equal(tt.wantRef))
		})
	}
}

func TestUsablePolicies(t *testing.T) {
	g := NewWithT(t)
	ready := func(name string, ref *imagev1.ImageRef, ok bool) imagev1.ImagePolicy {
		p := imagev1.ImagePolicy{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name}}
		p.Status.LatestRef = ref
		if ok {
			conditions.MarkTrue(&p, meta.ReadyCondition, meta.SucceededReason, "ok")
		} else {
			conditions.MarkFalse(&p, meta.ReadyCondition, "Failure", "no tag")
		}
		return p
	}
	ref := &imagev1.ImageRef{Name: "r", Tag: "1"}
	policies, observed := usablePolicies([]imagev1.ImagePolicy{
		ready("a", ref, true), ready("b", ref, false), ready("c", nil, true),
	})
	g.Expect(policies).To(Equal(map[update.PolicyKey]imagev1.ImageRef{{Namespace: "ns", Name: "a"}: *ref}))
	g.Expect(observed).To(Equal(imagev1.ObservedPolicies{"a": *ref}))
}

func TestApplyRunAndReadyMessage(t *testing.T) {
	now := metav1.Now()
	observed := imagev1.ObservedPolicies{"a": {Name: "r", Tag: "1"}}
	tests := []struct {
		name         string
		res          gitpush.Result
		changed      update.Result
		wantRevision string
		wantCommit   string
		wantMessage  string
	}{
		{
			name: "no change", res: gitpush.Result{Base: "b4", Branch: "main"},
			wantRevision: "main@sha1:b4", wantMessage: "repository up-to-date",
		},
		{
			name: "pushed", res: gitpush.Result{Base: "b4", Branch: "auto", Commit: "0123456789", Message: "m"},
			wantRevision: "auto@sha1:0123456789", wantCommit: "0123456789", wantMessage: "pushed commit '0123456' to branch 'auto'",
		},
		{
			name: "refspec only falls back to the checkout branch", res: gitpush.Result{Base: "b4"},
			wantRevision: "main@sha1:b4", wantMessage: "repository up-to-date",
		},
		{
			name: "unknown markers are mentioned", res: gitpush.Result{Base: "b4", Branch: "main"},
			changed:      update.Result{UnknownSetters: []string{"ns:x", "ns:y"}},
			wantRevision: "main@sha1:b4",
			wantMessage:  "repository up-to-date; markers naming policies that are not selected or not ready were left alone: ns:x, ns:y",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			var st imagev1.ImageUpdateAutomationStatus
			applyRun(&st, tt.res, observed, "main", now)
			g.Expect(st.ObservedSourceRevision).To(Equal(tt.wantRevision))
			g.Expect(st.LastPushCommit).To(Equal(tt.wantCommit))
			g.Expect(st.LastPushTime != nil).To(Equal(tt.wantCommit != ""))
			g.Expect(st.LastAutomationRunTime).To(Equal(&now))
			g.Expect(st.ObservedPolicies).To(Equal(observed))
			g.Expect(readyMessage(tt.res, tt.changed)).To(Equal(tt.wantMessage))
		})
	}
}

func TestUpdateError(t *testing.T) {
	tests := []struct {
		err         error
		wantReason  string
		wantStalled bool
	}{
		{err: &gitpush.ConfigError{Msg: "branch 'x' not found"}, wantReason: imagev1.InvalidSourceConfigReason, wantStalled: true},
		{err: &updateFailure{fmt.Errorf("%w: x", update.ErrPathOutsideRepository)}, wantReason: imagev1.UpdateFailedReason, wantStalled: true},
		{err: &updateFailure{errors.New("update path \"x\" does not exist")}, wantReason: imagev1.UpdateFailedReason},
		{err: errors.New("authentication required"), wantReason: imagev1.GitOperationFailedReason},
		{err: fmt.Errorf("%w: gave up", gitpush.ErrConflict), wantReason: imagev1.GitOperationFailedReason},
	}
	for _, tt := range tests {
		t.Run(tt.err.Error(), func(t *testing.T) {
			g := NewWithT(t)
			got := updateError(tt.err)
			g.Expect(reconcile.ReasonOf(got)).To(Equal(tt.wantReason))
			g.Expect(errors.As(got, new(*reconcile.Stalling))).To(Equal(tt.wantStalled))
		})
	}
}
