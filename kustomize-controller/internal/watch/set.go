package watch

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/fluxcd/cli-utils/pkg/object"
	"github.com/fluxcd/pkg/ssa"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/metadata/metadatainformer"
	"k8s.io/client-go/rest"
	toolscache "k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	kustomizev1 "github.com/eddy-gitops/eddy/api/kustomize/v1"
)

// Set is the shared informer set of one controller process (one per manager). It is a
// manager.Runnable: informers requested before the manager starts run once it does.
type Set struct {
	client   metadata.Interface
	mapper   apimeta.RESTMapper
	manager  string             // our field manager
	takeover []ssa.FieldManager // managers whose fields apply takes over

	mu        sync.Mutex
	ctx       context.Context // nil until Start
	informers map[schema.GroupVersionKind]toolscache.SharedIndexInformer
	stops     map[schema.GroupVersionKind]context.CancelFunc // of running informers
	drift     map[types.NamespacedName]map[string]bool       // owner -> object ids
	health    map[types.NamespacedName]map[string]bool       // owner -> ids it waits for
	changed   map[types.NamespacedName]map[string]bool       // owner -> waited-for ids that changed
	queues    []workqueue.TypedRateLimitingInterface[reconcile.Request]
}

// New returns a Set watching the cluster of cfg with the controller's own identity. takeover
// are the field managers whose fields apply takes over (internal/apply.TakeoverManagers): a
// field one of them adds is drift.
func New(cfg *rest.Config, mapper apimeta.RESTMapper, takeover []ssa.FieldManager) (*Set, error) {
	c, err := metadata.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("creating the metadata client: %w", err)
	}
	return &Set{
		client: c, mapper: mapper, manager: kustomizev1.FieldManager,
		takeover:  takeover,
		informers: map[schema.GroupVersionKind]toolscache.SharedIndexInformer{},
		stops:     map[schema.GroupVersionKind]context.CancelFunc{},
		drift:     map[types.NamespacedName]map[string]bool{},
		health:    map[types.NamespacedName]map[string]bool{},
		changed:   map[types.NamespacedName]map[string]bool{},
	}, nil
}

// Start runs the informers until ctx ends (manager.Runnable).
func (s *Set) Start(ctx context.Context) error {
	s.mu.Lock()
	s.ctx = ctx
	for gvk, inf := range s.informers {
		s.run(gvk, inf)
	}
	s.mu.Unlock()
	<-ctx.Done()
	return nil
}

// NeedLeaderElection is false: standby replicas keep warm caches.
func (s *Set) NeedLeaderElection() bool { return false }

// Source returns a controller source through which the Set enqueues the Kustomizations whose
// objects drifted or changed health. Every controller that subscribes gets every request; a
// controller ignores Kustomizations outside its selector.
func (s *Set) Source() source.Source {
	return source.Func(func(_ context.Context, q workqueue.TypedRateLimitingInterface[reconcile.Request]) error {
		s.mu.Lock()
		s.queues = append(s.queues, q)
		s.mu.Unlock()
		return nil
	})
}

// Ensure makes sure the kinds of objs are watched and reports whether all their informers
// have synced, i.e. whether the absence of drift marks can be trusted. A kind that cannot be
// watched (typically a custom resource whose CRD is in the same set and not applied yet) does
// not stop the others from being watched; the first such error is returned.
func (s *Set) Ensure(gvks []schema.GroupVersionKind) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	synced := true
	var firstErr error
	for _, gvk := range gvks {
		inf, ok := s.informers[gvk]
		if !ok {
			var err error
			if inf, err = s.newInformer(gvk); err != nil {
				synced = false
				if firstErr == nil {
					firstErr = err
				}
				continue
			}
			s.informers[gvk] = inf
			if s.ctx != nil {
				s.run(gvk, inf)
			}
		}
		if !inf.HasSynced() {
			synced = false
		}
	}
	return synced, firstErr
}

// WaitForSync waits up to timeout for the informers of gvks (see Ensure) to sync: one list
// per kind, after which the whole set can be validated and checked without reading objects.
func (s *Set) WaitForSync(ctx context.Context, gvks []schema.GroupVersionKind, timeout time.Duration) bool {
	s.mu.Lock()
	var synced []toolscache.InformerSynced
	for _, gvk := range gvks {
		if inf := s.informers[gvk]; inf != nil {
			synced = append(synced, inf.HasSynced)
		}
	}
	running := s.ctx != nil
	s.mu.Unlock()
	if !running || len(synced) < len(gvks) {
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return toolscache.WaitForCacheSync(ctx.Done(), synced...)
}

func (s *Set) newInformer(gvk schema.GroupVersionKind) (toolscache.SharedIndexInformer, error) {
	mapping, err := s.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		return nil, fmt.Errorf("watching %s: %w", gvk, err)
	}
	gk := gvk.GroupKind()
	inf := metadatainformer.NewFilteredMetadataInformer(s.client, mapping.Resource, metav1.NamespaceAll, 0,
		toolscache.Indexers{}, func(o *metav1.ListOptions) { o.LabelSelector = kustomizev1.NameLabel }).Informer()
	if err := inf.SetTransform(s.transform); err != nil {
		return nil, err
	}
	if err := inf.SetWatchErrorHandlerWithContext(func(ctx context.Context, r *toolscache.Reflector, err error) {
		toolscache.DefaultWatchErrorHandler(ctx, r, err)
		if apierrors.IsNotFound(err) || apimeta.IsNoMatchError(err) {
			s.kindGone(gvk, inf)
		}
	}); err != nil {
		return nil, err
	}
	if _, err := inf.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
		UpdateFunc: func(oldObj, newObj any) { s.onUpdate(gk, oldObj, newObj) },
		DeleteFunc: func(obj any) { s.onDelete(gk, obj) },
	}); err != nil {
		return nil, err
	}
	return inf, nil
}

// run starts an informer; s.mu is held.
func (s *Set) run(gvk schema.GroupVersionKind, inf toolscache.SharedIndexInformer) {
	ctx, stop := context.WithCancel(s.ctx)
	s.stops[gvk] = stop
	go inf.RunWithContext(ctx)
}

// kindGone drops the informer of a kind the API server no longer serves (its CRD was deleted).
// The informer would otherwise keep reporting itself synced while it cannot list or watch, and
// changes made while the kind is gone, or after it is back, would go unseen. Every object it
// held is marked drifted, so that its Kustomization re-applies it (or reports it) on the next
// reconcile; Ensure starts a fresh informer, which must sync before its absence of drift marks
// is trusted again.
func (s *Set) kindGone(gvk schema.GroupVersionKind, inf toolscache.SharedIndexInformer) {
	s.mu.Lock()
	if s.informers[gvk] != inf {
		s.mu.Unlock()
		return
	}
	delete(s.informers, gvk)
	if stop := s.stops[gvk]; stop != nil {
		stop()
		delete(s.stops, gvk)
	}
	s.mu.Unlock()
	for _, item := range inf.GetStore().List() {
		if m, ok := item.(*metav1.PartialObjectMetadata); ok {
			s.mark(ownerOf(m), idOf(gvk.GroupKind(), m), true)
		}
	}
}

// transform keeps the cache small: managedFields are replaced by digests of our own entry.
func (s *Set) transform(obj any) (any, error) {
	m, ok := obj.(*metav1.PartialObjectMetadata)
	if !ok {
		return obj, nil
	}
	size := ownedSize(m.ManagedFields, s.manager)
	ann := make(map[string]string, len(m.Annotations)+2)
	for k, v := range m.Annotations {
		ann[k] = v
	}
	ann[ownedFieldsKey] = strconv.Itoa(size)
	ann[overrideFieldsKey] = strconv.Itoa(overrideSize(m.ManagedFields, s.takeover))
	m.Annotations = ann
	m.ManagedFields = nil
	return m, nil
}

func (s *Set) onUpdate(gk schema.GroupKind, oldObj, newObj any) {
	o, ok1 := oldObj.(*metav1.PartialObjectMetadata)
	n, ok2 := newObj.(*metav1.PartialObjectMetadata)
	if !ok1 || !ok2 || o.ResourceVersion == n.ResourceVersion {
		return // a resync, not a change
	}
	owner, id := ownerOf(n), idOf(gk, n)
	isDrift := drifted(o.Annotations[ownedFieldsKey], n.Annotations[ownedFieldsKey],
		o.Annotations[overrideFieldsKey], n.Annotations[overrideFieldsKey])
	s.mark(owner, id, isDrift)
}

func (s *Set) onDelete(gk schema.GroupKind, obj any) {
	if t, ok := obj.(toolscache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	m, ok := obj.(*metav1.PartialObjectMetadata)
	if !ok {
		return
	}
	s.mark(ownerOf(m), idOf(gk, m), true)
}

// mark records a change of object id owned by owner and enqueues the owner when it matters:
// drift always, any change when the owner waits for the object's health.
func (s *Set) mark(owner types.NamespacedName, id string, isDrift bool) {
	if owner.Name == "" {
		return
	}
	s.mu.Lock()
	enqueue := false
	if isDrift {
		add(s.drift, owner, id)
		enqueue = true
	}
	if s.health[owner][id] {
		add(s.changed, owner, id)
		enqueue = true
	}
	queues := s.queues
	s.mu.Unlock()
	if enqueue {
		for _, q := range queues {
			q.Add(reconcile.Request{NamespacedName: owner})
		}
	}
}

// TakeDrift returns and clears the drifted object ids of owner.
func (s *Set) TakeDrift(owner types.NamespacedName) map[string]bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.drift[owner]
	delete(s.drift, owner)
	return d
}

// RestoreDrift puts back drift marks a failed reconcile could not correct.
func (s *Set) RestoreDrift(owner types.NamespacedName, ids map[string]bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id := range ids {
		add(s.drift, owner, id)
	}
}

// WatchHealth records the objects owner waits for (replacing any previous set) and returns
// and clears those that changed since the last call. An empty set stops watching.
func (s *Set) WatchHealth(owner types.NamespacedName, ids []string) map[string]bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	changed := s.changed[owner]
	delete(s.changed, owner)
	if len(ids) == 0 {
		delete(s.health, owner)
		return changed
	}
	set := make(map[string]bool, len(ids))
	for _, id := range ids {
		set[id] = true
	}
	s.health[owner] = set
	return changed
}

// Forget drops all state of a deleted Kustomization.
func (s *Set) Forget(owner types.NamespacedName) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.drift, owner)
	delete(s.health, owner)
	delete(s.changed, owner)
}

// Tracks reports whether the Set holds any state for owner: drift marks, a health wait, or
// changes of waited-for objects.
func (s *Set) Tracks(owner types.NamespacedName) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.drift[owner] != nil || s.health[owner] != nil || s.changed[owner] != nil
}

// NothingToTakeOver reports whether a cached object (from Metadata) has no field of a takeover
// manager and was applied by us (internal/apply's Lookup). The transform recorded both sizes.
func (s *Set) NothingToTakeOver(md *metav1.PartialObjectMetadata) bool {
	owned, err := strconv.Atoi(md.Annotations[ownedFieldsKey])
	return err == nil && owned >= 0 && md.Annotations[overrideFieldsKey] == "0"
}

// Metadata returns the cached metadata of an object (internal/apply's Lookup). known is
// false while the kind is not watched or its informer has not synced; an object the informer
// does not hold carries no kustomize.toolkit.fluxcd.io/name label.
func (s *Set) Metadata(gvk schema.GroupVersionKind, namespace, name string) (*metav1.PartialObjectMetadata, bool, bool) {
	s.mu.Lock()
	inf := s.informers[gvk]
	s.mu.Unlock()
	if inf == nil || !inf.HasSynced() {
		return nil, false, false
	}
	key := name
	if namespace != "" {
		key = namespace + "/" + name
	}
	item, ok, err := inf.GetStore().GetByKey(key)
	if err != nil {
		return nil, false, false
	}
	if !ok {
		return nil, false, true
	}
	md, ok := item.(*metav1.PartialObjectMetadata)
	return md, ok, ok
}

func add(m map[types.NamespacedName]map[string]bool, owner types.NamespacedName, id string) {
	if m[owner] == nil {
		m[owner] = map[string]bool{}
	}
	m[owner][id] = true
}

func ownerOf(m *metav1.PartialObjectMetadata) types.NamespacedName {
	return types.NamespacedName{Namespace: m.Labels[kustomizev1.NamespaceLabel], Name: m.Labels[kustomizev1.NameLabel]}
}

// idOf is the inventory id of an object (cli-utils ObjMetadata form).
func idOf(gk schema.GroupKind, m *metav1.PartialObjectMetadata) string {
	return object.ObjMetadata{Namespace: m.Namespace, Name: m.Name, GroupKind: gk}.String()
}
