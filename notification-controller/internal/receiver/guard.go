package receiver

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
	"k8s.io/apimachinery/pkg/types"
)

// replayCache remembers the replay keys of recently accepted signed requests.
//
// An HMAC proves who produced a body, not when: whoever captures one signed request can send it
// again for ever. Remembering the signature digest (and the sender's delivery id, when it sends
// one) for a window turns such a replay into a 400. The window bounds memory; a replay after the
// window only asks the targets to reconcile once more, which is harmless.
type replayCache struct {
	window time.Duration
	now    func() time.Time

	mu   sync.Mutex
	seen map[string]time.Time // receiver UID + "/" + key -> when accepted
}

func newReplayCache(window time.Duration, now func() time.Time) *replayCache {
	return &replayCache{window: window, now: now, seen: map[string]time.Time{}}
}

// claim records the keys of an accepted request for the receiver. It returns false, and records
// nothing, when any key was already accepted within the window.
func (c *replayCache) claim(uid types.UID, keys []string) bool {
	if len(keys) == 0 || c.window <= 0 {
		return true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	c.expire(now)
	for _, k := range keys {
		if _, ok := c.seen[string(uid)+"/"+k]; ok {
			return false
		}
	}
	for _, k := range keys {
		c.seen[string(uid)+"/"+k] = now
	}
	return true
}

// release forgets keys again: a request that failed on our side (500) may be retried by the
// sender with the same signature.
func (c *replayCache) release(uid types.UID, keys []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, k := range keys {
		delete(c.seen, string(uid)+"/"+k)
	}
}

// expire drops entries older than the window; called under the lock. It scans the whole map,
// which stays small: its size is bounded by the accepted request rate times the window.
func (c *replayCache) expire(now time.Time) {
	for k, at := range c.seen {
		if now.Sub(at) >= c.window {
			delete(c.seen, k)
		}
	}
}

// limiters hands out one token bucket per Receiver.
type limiters struct {
	limit rate.Limit
	burst int
	now   func() time.Time

	mu      sync.Mutex
	buckets map[types.UID]*bucket
}

type bucket struct {
	lim      *rate.Limiter
	lastUsed time.Time
}

// idleBucket is how long an unused bucket is kept; a deleted Receiver's bucket goes away after it.
const idleBucket = 30 * time.Minute

func newLimiters(limit rate.Limit, burst int, now func() time.Time) *limiters {
	return &limiters{limit: limit, burst: burst, now: now, buckets: map[types.UID]*bucket{}}
}

// allow takes one token from the receiver's bucket.
func (l *limiters) allow(uid types.UID) bool {
	if l.limit == rate.Inf {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b, ok := l.buckets[uid]
	if !ok {
		for id, old := range l.buckets {
			if now.Sub(old.lastUsed) > idleBucket {
				delete(l.buckets, id)
			}
		}
		b = &bucket{lim: rate.NewLimiter(l.limit, l.burst)}
		l.buckets[uid] = b
	}
	b.lastUsed = now
	return b.lim.AllowN(now, 1)
}
