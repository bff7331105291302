package receiver

import (
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"golang.org/x/time/rate"
	"k8s.io/apimachinery/pkg/types"
)

// clock is a manual clock for the time-based guards.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestReplayCache(t *testing.T) {
	g := NewWithT(t)
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	cache := newReplayCache(5*time.Minute, c.now)

	g.Expect(cache.claim("rcv-a", []string{"sig1", "delivery1"})).To(BeTrue())
	g.Expect(cache.claim("rcv-a", []string{"sig1"})).To(BeFalse(), "same signature")
	g.Expect(cache.claim("rcv-a", []string{"sig2", "delivery1"})).To(BeFalse(), "same delivery id")
	g.Expect(cache.claim("rcv-b", []string{"sig1"})).To(BeTrue(), "keys are per receiver")
	g.Expect(cache.claim("rcv-a", nil)).To(BeTrue(), "unsigned requests are not tracked")
	g.Expect(cache.claim("rcv-a", nil)).To(BeTrue())

	// A refused claim recorded nothing: sig2 is still free.
	g.Expect(cache.claim("rcv-a", []string{"sig2"})).To(BeTrue())

	c.t = c.t.Add(5*time.Minute - time.Second)
	g.Expect(cache.claim("rcv-a", []string{"sig1"})).To(BeFalse(), "inside the window")
	c.t = c.t.Add(time.Second)
	g.Expect(cache.claim("rcv-a", []string{"sig1"})).To(BeTrue(), "the window has passed")

	cache.release("rcv-a", []string{"sig1"})
	g.Expect(cache.claim("rcv-a", []string{"sig1"})).To(BeTrue(), "released keys may be claimed again")
	g.Expect(cache.seen).To(HaveLen(1), "entries from the first claims have expired")
}

func TestReplayCacheDisabled(t *testing.T) {
	cache := newReplayCache(-1, time.Now)
	g := NewWithT(t)
	g.Expect(cache.claim("r", []string{"k"})).To(BeTrue())
	g.Expect(cache.claim("r", []string{"k"})).To(BeTrue())
}

func TestLimiters(t *testing.T) {
	g := NewWithT(t)
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	l := newLimiters(rate.Limit(1), 2, c.now)
	for _, want := range []bool{true, true, false} {
		g.Expect(l.allow("a")).To(Equal(want))
	}
	g.Expect(l.allow("b")).To(BeTrue(), "each receiver has its own bucket")
	c.t = c.t.Add(time.Second)
	g.Expect(l.allow("a")).To(BeTrue(), "one token refilled after a second")
	g.Expect(l.allow("a")).To(BeFalse())

	// Idle buckets are dropped when a new receiver shows up.
	c.t = c.t.Add(idleBucket + time.Second)
	g.Expect(l.allow("c")).To(BeTrue())
	g.Expect(l.buckets).To(HaveLen(1))
	g.Expect(l.buckets).To(HaveKey(types.UID("c")))

	g.Expect(newLimiters(rate.Inf, 0, c.now).allow("x")).To(BeTrue())
}
