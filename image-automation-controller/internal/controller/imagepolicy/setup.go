package imagepolicy

import (
	"context"

	"github.com/fluxcd/pkg/runtime/predicates"
	"k8s.io/client-go/util/workqueue"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	ctrlreconcile "sigs.k8s.io/controller-runtime/pkg/reconcile"

	imagev1 "github.com/eddy-gitops/eddy/api/image/v1"
)

// repositoryIndexKey indexes ImagePolicies by the `namespace/name` of their ImageRepository.
const repositoryIndexKey = ".metadata.imageRepository"

// Options tune the controller.
type Options struct {
	// MaxConcurrentReconciles is the number of ImagePolicies resolved in parallel.
	MaxConcurrentReconciles int
	// RateLimiter paces retries; nil uses controller-runtime's default.
	RateLimiter workqueue.TypedRateLimiter[ctrlreconcile.Request]
}

// SetupWithManager indexes policies by repository and registers the reconciler, triggered by
// spec changes, reconcile requests, and changes of a referenced repository's scan result.
func (r *Reconciler) SetupWithManager(ctx context.Context, mgr ctrl.Manager, o Options) error {
	err := mgr.GetFieldIndexer().IndexField(ctx, &imagev1.ImagePolicy{}, repositoryIndexKey, func(o client.Object) []string {
		return []string{repositoryKey(o.(*imagev1.ImagePolicy)).String()}
	})
	if err != nil {
		return err
	}
	return ctrl.NewControllerManagedBy(mgr).
		For(&imagev1.ImagePolicy{}, builder.WithPredicates(
			predicate.Or(predicate.GenerationChangedPredicate{}, predicates.ReconcileRequestedPredicate{}),
		)).
		Watches(&imagev1.ImageRepository{},
			handler.EnqueueRequestsFromMapFunc(r.policiesFor),
			builder.WithPredicates(scanResultChanged{}),
		).
		WithOptions(controller.Options{
			MaxConcurrentReconciles: o.MaxConcurrentReconciles,
			RateLimiter:             o.RateLimiter,
		}).
		Complete(r)
}

// policiesFor maps an ImageRepository to the policies that refer to it.
func (r *Reconciler) policiesFor(ctx context.Context, repo client.Object) []ctrlreconcile.Request {
	var list imagev1.ImagePolicyList
	key := client.ObjectKeyFromObject(repo).String()
	if err := r.List(ctx, &list, client.MatchingFields{repositoryIndexKey: key}); err != nil {
		ctrl.LoggerFrom(ctx).Error(err, "listing ImagePolicies of an ImageRepository", "imageRepository", key)
		return nil
	}
	reqs := make([]ctrlreconcile.Request, 0, len(list.Items))
	for i := range list.Items {
		reqs = append(reqs, ctrlreconcile.Request{NamespacedName: client.ObjectKeyFromObject(&list.Items[i])})
	}
	return reqs
}

// scanResultChanged passes repository events that can change a policy's outcome: creation and
// deletion, a new scan result (revision), and spec changes (accessFrom, image).
type scanResultChanged struct {
	predicate.Funcs
}

func (scanResultChanged) Update(e event.UpdateEvent) bool {
	oldRepo, ok1 := e.ObjectOld.(*imagev1.ImageRepository)
	newRepo, ok2 := e.ObjectNew.(*imagev1.ImageRepository)
	if !ok1 || !ok2 {
		return false
	}
	return revision(oldRepo) != revision(newRepo) || oldRepo.Generation != newRepo.Generation
}

func revision(r *imagev1.ImageRepository) string {
	if r.Status.LastScanResult == nil {
		return ""
	}
	return r.Status.LastScanResult.Revision
}
