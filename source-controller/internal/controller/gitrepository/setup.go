package gitrepository

import (
	"context"
	"errors"

	"github.com/fluxcd/pkg/runtime/predicates"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	sourcev1 "github.com/eddy-gitops/eddy/api/source/v1"
)

// includeIndexKey indexes GitRepositories by the names of the GitRepositories they include.
const includeIndexKey = ".spec.include.repository.name"

// Options tune the controller.
type Options struct {
	// Controller carries concurrency and the rate limiter.
	Controller controller.Options
}

// SetupWithManager registers the reconciler: GitRepositories are reconciled on spec changes and
// reconcile requests, and when the artifact of a GitRepository they include changes.
func (r *Reconciler) SetupWithManager(ctx context.Context, mgr ctrl.Manager, opts Options) error {
	if r.Storage == nil || r.Recorder == nil {
		return errors.New("gitrepository: Storage and Recorder are required")
	}
	if err := mgr.GetFieldIndexer().IndexField(ctx, &sourcev1.GitRepository{}, includeIndexKey, includedNames); err != nil {
		return err
	}
	return ctrl.NewControllerManagedBy(mgr).
		For(&sourcev1.GitRepository{}, builder.WithPredicates(
			predicate.Or(predicate.GenerationChangedPredicate{}, predicates.ReconcileRequestedPredicate{}),
		)).
		Watches(&sourcev1.GitRepository{},
			handler.EnqueueRequestsFromMapFunc(r.includersOf),
			builder.WithPredicates(artifactChanged{}),
		).
		WithOptions(opts.Controller).
		Complete(r)
}

// includedNames is the index function of includeIndexKey.
func includedNames(o client.Object) []string {
	repo, ok := o.(*sourcev1.GitRepository)
	if !ok {
		return nil
	}
	var names []string
	for _, inc := range repo.Spec.Include {
		names = append(names, inc.GitRepositoryRef.Name)
	}
	return names
}

// includersOf maps a GitRepository to the GitRepositories in its namespace that include it.
func (r *Reconciler) includersOf(ctx context.Context, o client.Object) []reconcile.Request {
	var list sourcev1.GitRepositoryList
	if err := r.List(ctx, &list, client.InNamespace(o.GetNamespace()), client.MatchingFields{includeIndexKey: o.GetName()}); err != nil {
		ctrl.LoggerFrom(ctx).Error(err, "listing GitRepositories that include", "name", o.GetName())
		return nil
	}
	reqs := make([]reconcile.Request, 0, len(list.Items))
	for _, item := range list.Items {
		reqs = append(reqs, reconcile.Request{NamespacedName: types.NamespacedName{Namespace: item.Namespace, Name: item.Name}})
	}
	return reqs
}

// artifactChanged passes updates that change a GitRepository's artifact revision or digest.
type artifactChanged struct{ predicate.Funcs }

func (artifactChanged) Create(event.CreateEvent) bool   { return false }
func (artifactChanged) Delete(event.DeleteEvent) bool   { return true }
func (artifactChanged) Generic(event.GenericEvent) bool { return false }

func (artifactChanged) Update(e event.UpdateEvent) bool {
	oldRepo, okOld := e.ObjectOld.(*sourcev1.GitRepository)
	newRepo, okNew := e.ObjectNew.(*sourcev1.GitRepository)
	if !okOld || !okNew {
		return false
	}
	a, b := oldRepo.GetArtifact(), newRepo.GetArtifact()
	if a == nil || b == nil {
		return a != b
	}
	return a.Revision != b.Revision || a.Digest != b.Digest
}
