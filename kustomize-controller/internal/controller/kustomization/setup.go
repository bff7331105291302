package kustomization

import (
	"context"
	"fmt"
	"sync"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	"github.com/fluxcd/pkg/runtime/predicates"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	kustomizev1 "github.com/eddy-gitops/eddy/api/kustomize/v1"
	sourcev1 "github.com/eddy-gitops/eddy/api/source/v1"
)

// dependsOnIndexKey indexes Kustomizations by the "<namespace>/<name>" of their dependencies.
const dependsOnIndexKey = ".metadata.dependsOn"

// SetupWithManager registers the indexes, watches and the controller:
//   - Kustomizations: on spec changes and reconcile requests (annotation);
//   - GitRepository/OCIRepository: when status.artifact.revision changes, the Kustomizations
//     referencing them (field index on spec.sourceRef);
//   - Kustomizations again: when one becomes ready or applies a new revision, those that
//     depend on it (field index on spec.dependsOn), instead of waiting --requeue-dependency;
//   - the shared object informers (Watch): a Kustomization whose applied objects drifted, or
//     whose health-checked objects changed.
func (r *Reconciler) SetupWithManager(ctx context.Context, mgr ctrl.Manager, opts controller.Options) error {
	if err := setupIndexes(ctx, mgr); err != nil {
		return err
	}
	b := ctrl.NewControllerManagedBy(mgr)
	if r.Watch != nil {
		// The shared informers run with the manager (once, however many reconcilers use them)
		// and enqueue the Kustomizations whose objects drifted or changed health.
		if _, done := started.LoadOrStore(r.Watch, true); !done {
			if err := mgr.Add(r.Watch); err != nil {
				return fmt.Errorf("starting the object watch: %w", err)
			}
		}
		b = b.WatchesRawSource(r.Watch.Source())
	}
	return b.
		Named("kustomization").
		For(&kustomizev1.Kustomization{}, builder.WithPredicates(
			predicate.Or(predicate.GenerationChangedPredicate{}, predicates.ReconcileRequestedPredicate{}))).
		Watches(&sourcev1.GitRepository{}, handler.EnqueueRequestsFromMapFunc(r.requestsForSource(sourcev1.GitRepositoryKind)),
			builder.WithPredicates(revisionChanged{})).
		Watches(&sourcev1.OCIRepository{}, handler.EnqueueRequestsFromMapFunc(r.requestsForSource(sourcev1.OCIRepositoryKind)),
			builder.WithPredicates(revisionChanged{})).
		Watches(&kustomizev1.Kustomization{}, handler.EnqueueRequestsFromMapFunc(r.requestsForDependents),
			builder.WithPredicates(becameReady{})).
		WithOptions(opts).
		Complete(r)
}

func indexSource(o client.Object) []string {
	k := o.(*kustomizev1.Kustomization)
	return []string{fmt.Sprintf("%s/%s/%s", k.Spec.SourceRef.Kind, k.GetSourceNamespace(), k.Spec.SourceRef.Name)}
}

func indexDependsOn(o client.Object) []string {
	k := o.(*kustomizev1.Kustomization)
	keys := make([]string, 0, len(k.Spec.DependsOn))
	for _, d := range k.Spec.DependsOn {
		ns := d.Namespace
		if ns == "" {
			ns = k.Namespace
		}
		keys = append(keys, ns+"/"+d.Name)
	}
	return keys
}

func (r *Reconciler) requestsForSource(kind string) handler.MapFunc {
	return func(ctx context.Context, o client.Object) []reconcile.Request {
		return r.listRequests(ctx, sourcev1.SourceIndexKey, fmt.Sprintf("%s/%s/%s", kind, o.GetNamespace(), o.GetName()))
	}
}

func (r *Reconciler) requestsForDependents(ctx context.Context, o client.Object) []reconcile.Request {
	return r.listRequests(ctx, dependsOnIndexKey, o.GetNamespace()+"/"+o.GetName())
}

func (r *Reconciler) listRequests(ctx context.Context, index, value string) []reconcile.Request {
	var list kustomizev1.KustomizationList
	if err := r.Client.List(ctx, &list, client.MatchingFields{index: value}); err != nil {
		ctrl.LoggerFrom(ctx).Error(err, "listing Kustomizations", "index", index, "value", value)
		return nil
	}
	reqs := make([]reconcile.Request, 0, len(list.Items))
	for _, k := range list.Items {
		reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&k)})
	}
	return reqs
}

// revisionChanged passes source updates whose artifact appeared or changed revision.
type revisionChanged struct{ predicate.Funcs }

func (revisionChanged) Create(event.CreateEvent) bool   { return false }
func (revisionChanged) Delete(event.DeleteEvent) bool   { return false }
func (revisionChanged) Generic(event.GenericEvent) bool { return false }
func (revisionChanged) Update(e event.UpdateEvent) bool {
	oldSrc, ok1 := e.ObjectOld.(sourcev1.Source)
	newSrc, ok2 := e.ObjectNew.(sourcev1.Source)
	if !ok1 || !ok2 || newSrc.GetArtifact() == nil {
		return false
	}
	return oldSrc.GetArtifact() == nil || oldSrc.GetArtifact().Revision != newSrc.GetArtifact().Revision
}

// becameReady passes Kustomization updates after which dependents may proceed: Ready turned
// True, or a ready Kustomization applied a new revision.
type becameReady struct{ predicate.Funcs }

func (becameReady) Create(event.CreateEvent) bool   { return false }
func (becameReady) Delete(event.DeleteEvent) bool   { return false }
func (becameReady) Generic(event.GenericEvent) bool { return false }
func (becameReady) Update(e event.UpdateEvent) bool {
	oldK, ok1 := e.ObjectOld.(*kustomizev1.Kustomization)
	newK, ok2 := e.ObjectNew.(*kustomizev1.Kustomization)
	if !ok1 || !ok2 || !conditions.IsTrue(newK, meta.ReadyCondition) {
		return false
	}
	return !conditions.IsTrue(oldK, meta.ReadyCondition) ||
		oldK.Status.LastAppliedRevision != newK.Status.LastAppliedRevision ||
		oldK.Status.ObservedGeneration != newK.Status.ObservedGeneration
}

// indexed remembers the managers whose cache already has the indexes: several reconcilers
// (shards with different selectors) may share one manager, and an index can be added once.
var indexed sync.Map

// started remembers the watch sets already added to their manager.
var started sync.Map

func setupIndexes(ctx context.Context, mgr ctrl.Manager) error {
	if _, done := indexed.LoadOrStore(mgr, true); done {
		return nil
	}
	idx := mgr.GetFieldIndexer()
	if err := idx.IndexField(ctx, &kustomizev1.Kustomization{}, sourcev1.SourceIndexKey, indexSource); err != nil {
		return fmt.Errorf("indexing spec.sourceRef: %w", err)
	}
	if err := idx.IndexField(ctx, &kustomizev1.Kustomization{}, dependsOnIndexKey, indexDependsOn); err != nil {
		return fmt.Errorf("indexing spec.dependsOn: %w", err)
	}
	return nil
}
