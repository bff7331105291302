package reconcile

import (
	"context"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/resourceversion"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// StaleRetry is how soon a reconcile that found its object older than its own last write runs
// again: the informer usually delivers that write within milliseconds.
const StaleRetry = 50 * time.Millisecond

// Written remembers, per object, the resourceVersion of the controller's own last write, until
// the cache has caught up with it.
//
// A reconcile can start on a cached copy that does not yet show the status the previous
// reconcile of the same object wrote: watch events of other objects (the objects a
// Kustomization applied, the ImageRepository an ImagePolicy reads) enqueue it again while that
// write is still on its way to the informer. Reconciling that older copy repeats the work the
// write already recorded and writes the status a second time. A reconciler asks Stale first and,
// if the copy is older, returns with a short requeue instead (StaleRetry): its status-only update
// events are filtered out, so the requeue, not the event, brings it back.
//
// Only objects with a write in flight are kept: an entry goes as soon as the cache shows that
// write, or when the object is gone. Resource versions are compared as the API server defines
// them (k8s.io/apimachinery/pkg/util/resourceversion); a version that cannot be compared is
// never reported stale.
type Written struct {
	mu sync.Mutex
	rv map[types.NamespacedName]string
}

// Get reads the object at key into obj through c (the reconciler's cache). found is false when
// the object is gone, which also forgets it, or when the read failed (err); reconcilers return
// err as is, NotFound being no error to them.
func (w *Written) Get(ctx context.Context, c client.Reader, key types.NamespacedName, obj client.Object) (found bool, err error) {
	if err := c.Get(ctx, key, obj); err != nil {
		if apierrors.IsNotFound(err) {
			w.Forget(key)
			return false, nil
		}
		return false, err
	}
	return true, nil
}

// Record remembers obj's resourceVersion as the controller's last write of it.
func (w *Written) Record(obj client.Object) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.rv == nil {
		w.rv = map[types.NamespacedName]string{}
	}
	w.rv[client.ObjectKeyFromObject(obj)] = obj.GetResourceVersion()
}

// RecordIfWritten records obj when its resourceVersion differs from read, the version the
// reconcile started from: the reconcile wrote it.
func (w *Written) RecordIfWritten(obj client.Object, read string) {
	if obj.GetResourceVersion() != read {
		w.Record(obj)
	}
}

// Forget drops what is remembered of the object at key (it was deleted).
func (w *Written) Forget(key types.NamespacedName) {
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.rv, key)
}

// Stale reports whether obj, as read from the cache, is older than the controller's last write
// of it.
func (w *Written) Stale(obj client.Object) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	key := client.ObjectKeyFromObject(obj)
	last, ok := w.rv[key]
	if !ok {
		return false
	}
	cmp, err := resourceversion.CompareResourceVersion(obj.GetResourceVersion(), last)
	if err != nil || cmp >= 0 {
		delete(w.rv, key)
		return false
	}
	return true
}

// Len is the number of objects with a write in flight.
func (w *Written) Len() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.rv)
}
