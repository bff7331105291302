package imageupdateautomation

import (
	"context"
	"fmt"

	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	"github.com/fluxcd/pkg/runtime/predicates"

	imagev1 "github.com/eddy-gitops/eddy/api/image/v1"
	sourcev1 "github.com/eddy-gitops/eddy/api/source/v1"
)

// SetupWithManager registers the reconciler. Besides spec changes and reconcile requests, a
// change of a selected ImagePolicy's latest image triggers a run right away, and so does the
// referenced GitRepository appearing or changing its spec.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager, opts controller.Options) error {
	if err := mgr.GetFieldIndexer().IndexField(context.Background(), &imagev1.ImageUpdateAutomation{},
		sourceRefIndex, indexSourceRef); err != nil {
		return fmt.Errorf("indexing ImageUpdateAutomations by sourceRef: %w", err)
	}
	b := builder.ControllerManagedBy(mgr).
		For(&imagev1.ImageUpdateAutomation{}, builder.WithPredicates(
			predicate.Or(predicate.GenerationChangedPredicate{}, predicates.ReconcileRequestedPredicate{}))).
		Watches(&sourcev1.GitRepository{}, handler.EnqueueRequestsFromMapFunc(r.automationsForSource),
			builder.WithPredicates(sourceSpecChanged{}))
	if !r.NoPolicyTrigger {
		b = b.Watches(&imagev1.ImagePolicy{}, handler.EnqueueRequestsFromMapFunc(r.automationsForPolicy),
			builder.WithPredicates(latestRefChanged{}))
	}
	return b.WithOptions(opts).Complete(r)
}
