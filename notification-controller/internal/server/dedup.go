package server

import (
	"container/list"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"sync"
	"time"

	eventv1 "github.com/fluxcd/pkg/apis/event/v1beta1"
)

// eventKey identifies an event for de-duplication: the involved object, the message and, when the
// emitting controller set them, the revision, origin revision and token (so a new revision or a
// new token is a new event even with the same message).
func eventKey(e *eventv1.Event) string {
	group := objectGroup(e)
	parts := []string{"event", e.InvolvedObject.Name, e.InvolvedObject.Namespace, e.InvolvedObject.Kind, e.Message}
	for _, k := range []string{eventv1.MetaRevisionKey, eventv1.MetaOriginRevisionKey, eventv1.MetaTokenKey} {
		if v, ok := e.Metadata[group+"/"+k]; ok {
			parts = append(parts, v)
		}
	}
	sum := sha256.Sum256([]byte(strings.Join(parts, "/")))
	return hex.EncodeToString(sum[:])
}

// Deduper remembers event keys for a fixed window. Memory is bounded twice: entries expire after
// the window, and at most max keys are kept (the oldest go first). Because the window is the same
// for every key, insertion order is expiry order, so expiring is a walk from the front of a list.
type Deduper struct {
	window time.Duration
	max    int
	now    func() time.Time

	mu    sync.Mutex
	keys  map[string]*list.Element
	order *list.List // of *entry, oldest first
	grown bool       // keys held more than smallMap entries since it was made
}

type entry struct {
	key     string
	expires time.Time
}

// NewDeduper returns a Deduper with the given window (<= 0 disables de-duplication) and capacity.
func NewDeduper(window time.Duration, max int) *Deduper {
	if max <= 0 {
		max = 100_000
	}
	return &Deduper{window: window, max: max, now: time.Now, keys: map[string]*list.Element{}, order: list.New()}
}

// Add records key and reports whether it was new (false: a duplicate inside the window).
func (d *Deduper) Add(key string) bool {
	if d.window <= 0 {
		return true
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.now()
	d.expire(now)
	if _, seen := d.keys[key]; seen {
		return false
	}
	for len(d.keys) >= d.max {
		d.removeElement(d.order.Front())
	}
	d.keys[key] = d.order.PushBack(&entry{key: key, expires: now.Add(d.window)})
	d.grown = d.grown || len(d.keys) > smallMap
	return true
}

// Forget removes key, so that an event the server could not queue is accepted when retried.
func (d *Deduper) Forget(key string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if el, ok := d.keys[key]; ok {
		d.removeElement(el)
	}
}

// Len is the number of remembered keys (for tests and the benchmark's memory check).
func (d *Deduper) Len() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.expire(d.now())
	return len(d.keys)
}

func (d *Deduper) expire(now time.Time) {
	for el := d.order.Front(); el != nil; el = d.order.Front() {
		if el.Value.(*entry).expires.After(now) {
			return
		}
		d.removeElement(el)
	}
	if len(d.keys) == 0 && d.grown {
		// A Go map keeps the buckets of its largest size: after a burst of thousands of events,
		// start again from a small one.
		d.keys, d.grown = map[string]*list.Element{}, false
	}
}

// Expire drops the keys whose window has passed. Add and Len do so as they go; the event server
// also calls it periodically, so that an idle controller does not keep the keys of its last
// burst until the next event arrives.
func (d *Deduper) Expire() {
	if d.window <= 0 {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.expire(d.now())
}

// expireEvery runs Expire at every tick until ctx is done.
func (d *Deduper) expireEvery(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			d.Expire()
		}
	}
}

// smallMap is the size above which an emptied key map is replaced by a new one.
const smallMap = 1024

func (d *Deduper) removeElement(el *list.Element) {
	delete(d.keys, el.Value.(*entry).key)
	d.order.Remove(el)
}
