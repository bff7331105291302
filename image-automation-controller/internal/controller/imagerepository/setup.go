package imagerepository

import (
	"github.com/fluxcd/pkg/runtime/predicates"
	"k8s.io/client-go/util/workqueue"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	ctrlreconcile "sigs.k8s.io/controller-runtime/pkg/reconcile"

	imagev1 "github.com/eddy-gitops/eddy/api/image/v1"
)

// Options tune the controller.
type Options struct {
	// MaxConcurrentReconciles is the number of ImageRepositories scanned in parallel.
	MaxConcurrentReconciles int
	// RateLimiter paces retries; nil uses controller-runtime's default.
	RateLimiter workqueue.TypedRateLimiter[ctrlreconcile.Request]
}

// SetupWithManager registers the reconciler. Only spec changes and reconcile requests trigger
// it: status updates (its own) do not, and the interval is kept by RequeueAfter.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager, o Options) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&imagev1.ImageRepository{}, builder.WithPredicates(
			predicate.Or(predicate.GenerationChangedPredicate{}, predicates.ReconcileRequestedPredicate{}),
		)).
		WithOptions(controller.Options{
			MaxConcurrentReconciles: o.MaxConcurrentReconciles,
			RateLimiter:             o.RateLimiter,
		}).
		Complete(r)
}
