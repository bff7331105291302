package imageupdateautomation

import (
	"context"
	"errors"
	"fmt"
	"strings"

	eventv1 "github.com/fluxcd/pkg/apis/event/v1"
	"github.com/fluxcd/pkg/apis/meta"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/log"

	imagev1 "github.com/eddy-gitops/eddy/api/image/v1"
	"github.com/eddy-gitops/eddy/image-automation-controller/internal/gitpush"
	"github.com/eddy-gitops/eddy/image-automation-controller/internal/update"
	"github.com/eddy-gitops/eddy/pkg/reconcile"
)

// upToDateMessage is the Ready message of a run that had nothing to commit.
const upToDateMessage = "repository up-to-date"

// reconcileUpdate syncs the warm clone, rewrites the marked fields, and commits and pushes when
// something changed. The status records the run; a push is announced with an event.
func (r *Reconciler) reconcileUpdate(ctx context.Context, s *scope) error {
	var changed update.Result
	path := s.obj.GetUpdateStrategy().Path
	res, err := r.Clones.Run(ctx, s.git, func(dir string) ([]string, string, error) {
		result, err := update.WithSetters(dir, path, s.policies)
		if err != nil {
			return nil, "", &updateFailure{err}
		}
		changed = result
		if result.Empty() {
			return nil, "", nil
		}
		msg, err := render(s.tmpl, TemplateData{
			AutomationObject: types.NamespacedName{Namespace: s.obj.Namespace, Name: s.obj.Name},
			Changed:          result,
			Values:           s.obj.Spec.GitSpec.Commit.MessageTemplateValues,
		})
		if err != nil {
			return nil, "", &updateFailure{err}
		}
		return result.Files(), msg, nil
	})
	if err != nil {
		return updateError(err)
	}

	now := metav1.Now()
	applyRun(&s.obj.Status, res, s.observed, s.git.CheckoutBranch, now)
	s.readyMessage = readyMessage(res, changed)
	logUnusable(ctx, changed)
	if res.Pushed() {
		// Flux's push event carries no metadata keys.
		r.Recorder.Eventf(s.obj, nil, corev1.EventTypeNormal, meta.SucceededReason, "push", "%s", res.Summary())
	} else {
		r.Recorder.Eventf(s.obj, nil, eventv1.EventTypeTrace, meta.SucceededReason, "update",
			"no change since last reconciliation")
	}
	return nil
}

// updateFailure marks an error of the file update or of the commit message, as opposed to Git.
type updateFailure struct{ err error }

func (e *updateFailure) Error() string { return e.err.Error() }
func (e *updateFailure) Unwrap() error { return e.err }

// updateError classifies a failed run: configuration problems stall, the rest is retried.
func updateError(err error) error {
	var cfgErr *gitpush.ConfigError
	switch {
	case errors.As(err, &cfgErr):
		return reconcile.NewStalling(imagev1.InvalidSourceConfigReason, "%s", err)
	case errors.Is(err, update.ErrPathOutsideRepository):
		return reconcile.NewStalling(imagev1.UpdateFailedReason, "%s", err)
	case errors.As(err, new(*updateFailure)):
		// A missing update path or a template that fails on real data may be fixed by the
		// next commit to the repository, so keep retrying.
		return reconcile.NewGeneric(imagev1.UpdateFailedReason, "%s", err)
	default:
		return reconcile.NewGeneric(imagev1.GitOperationFailedReason, "%s", err)
	}
}

// applyRun records a completed run in the status.
func applyRun(st *imagev1.ImageUpdateAutomationStatus, res gitpush.Result, observed imagev1.ObservedPolicies, checkoutBranch string, now metav1.Time) {
	st.LastAutomationRunTime = &now
	st.ObservedPolicies = observed
	branch := res.Branch
	if branch == "" {
		branch = checkoutBranch
	}
	st.ObservedSourceRevision = fmt.Sprintf("%s@sha1:%s", branch, res.Base)
	if res.Pushed() {
		st.LastPushCommit = res.Commit
		st.LastPushTime = &now
		st.ObservedSourceRevision = fmt.Sprintf("%s@sha1:%s", branch, res.Commit)
	}
}

// readyMessage says what the run did, and which markers it could not apply.
func readyMessage(res gitpush.Result, changed update.Result) string {
	msg := upToDateMessage
	if res.Pushed() {
		msg, _, _ = strings.Cut(res.Summary(), "\n")
	}
	if len(changed.UnknownSetters) > 0 {
		msg += fmt.Sprintf("; markers naming policies that are not selected or not ready were left alone: %s",
			strings.Join(changed.UnknownSetters, ", "))
	}
	return msg
}

func logUnusable(ctx context.Context, changed update.Result) {
	logger := log.FromContext(ctx)
	if len(changed.UnknownSetters) > 0 {
		logger.Info("setter markers name policies that are not selected or not ready", "setters", changed.UnknownSetters)
	}
	for _, f := range changed.Skipped {
		logger.Info("file with setter markers skipped", "file", f.Path, "reason", f.Reason)
	}
}
