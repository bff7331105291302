package gitrepository

import (
	"context"
	"time"

	"github.com/fluxcd/pkg/runtime/conditions"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	sourcev1 "github.com/eddy-gitops/eddy/api/source/v1"
	"github.com/eddy-gitops/eddy/pkg/reconcile"
)

// Reasons of IncludeUnavailable (Flux uses the same words).
const (
	includeNotFoundReason   = "NotFound"
	includeNoArtifactReason = "NoArtifact"
	includeCopyFailedReason = "CopyFailure"
)

// reconcileInclude resolves spec.include to the artifacts to copy. An included GitRepository
// that does not exist or has no artifact yet is waited for (IncludeUnavailable) without
// touching the stored artifact.
func (r *Reconciler) reconcileInclude(ctx context.Context, s *scope) error {
	s.includes = nil
	for _, inc := range s.obj.Spec.Include {
		dep := &sourcev1.GitRepository{}
		key := client.ObjectKey{Namespace: s.obj.Namespace, Name: inc.GitRepositoryRef.Name}
		if err := r.Get(ctx, key, dep); err != nil {
			reason := sourcev1.IncludeUnavailableCondition
			if apierrors.IsNotFound(err) {
				reason = includeNotFoundReason
			}
			return r.includeUnavailable(s, reason, "could not get resource for include '%s': %w", key.Name, err)
		}
		a := dep.GetArtifact()
		if a == nil {
			return r.includeUnavailable(s, includeNoArtifactReason, "no artifact available for include '%s'", key.Name)
		}
		s.includes = append(s.includes, include{spec: inc, artifact: a.DeepCopy()})
	}
	conditions.Delete(s.obj, sourcev1.IncludeUnavailableCondition)
	return nil
}

func (r *Reconciler) includeUnavailable(s *scope, reason, format string, args ...any) error {
	e := reconcile.NewWaiting(reason, r.dependencyRequeue(), format, args...)
	conditions.MarkTrue(s.obj, sourcev1.IncludeUnavailableCondition, reason, "%s", e)
	return e
}

func (r *Reconciler) dependencyRequeue() time.Duration {
	if r.DependencyRequeueInterval == 0 {
		return 10 * time.Second
	}
	return r.DependencyRequeueInterval
}
