package server

import (
	"context"
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

func corev1ObjectRef(kind, name, namespace, apiVersion string) corev1.ObjectReference {
	return corev1.ObjectReference{Kind: kind, Name: name, Namespace: namespace, APIVersion: apiVersion}
}

func TestDeduper_ExpiresAndStaysBounded(t *testing.T) {
	now := time.Unix(0, 0)
	d := NewDeduper(time.Minute, 3)
	d.now = func() time.Time { return now }

	if !d.Add("a") || d.Add("a") {
		t.Fatal("a: want new, then duplicate")
	}
	now = now.Add(30 * time.Second)
	d.Add("b")
	now = now.Add(31 * time.Second) // a expired, b not
	if !d.Add("a") {
		t.Error("a after the window: want new")
	}
	if d.Add("b") {
		t.Error("b inside the window: want duplicate")
	}
	for i := range 10 {
		d.Add(fmt.Sprint("k", i))
	}
	if got := d.Len(); got != 3 {
		t.Errorf("Len = %d, want the bound 3", got)
	}
	now = now.Add(2 * time.Minute)
	if got := d.Len(); got != 0 {
		t.Errorf("Len after the window = %d, want 0", got)
	}
}

func TestDeduper_ZeroWindowDisables(t *testing.T) {
	d := NewDeduper(0, 0)
	if !d.Add("x") || !d.Add("x") {
		t.Error("a zero window must accept duplicates")
	}
}

// TestDeduper_ExpireWithoutEvents: Expire drops the keys whose window has passed without an
// event arriving, and an emptied map that had grown is replaced by a small one.
func TestDeduper_ExpireWithoutEvents(t *testing.T) {
	now := time.Unix(0, 0)
	d := NewDeduper(time.Minute, 0)
	d.now = func() time.Time { return now }
	for i := range smallMap + 10 {
		d.Add(fmt.Sprint("k", i))
	}
	if !d.grown {
		t.Fatal("the map did not count as grown")
	}
	now = now.Add(30 * time.Second)
	d.Expire()
	if got := len(d.keys); got != smallMap+10 {
		t.Fatalf("inside the window: %d keys, want %d", got, smallMap+10)
	}
	now = now.Add(31 * time.Second)
	d.Expire()
	if got := len(d.keys); got != 0 || d.order.Len() != 0 || d.grown {
		t.Errorf("after the window: %d keys, %d in order, grown %v; want none", got, d.order.Len(), d.grown)
	}
	if !d.Add("k1") {
		t.Error("a key after the window must be new")
	}
}

// TestDeduper_ExpireEvery runs the periodic expiry with a real ticker.
func TestDeduper_ExpireEvery(t *testing.T) {
	d := NewDeduper(20*time.Millisecond, 0)
	d.Add("a")
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { d.expireEvery(ctx, 5*time.Millisecond); close(done) }()
	deadline := time.Now().Add(5 * time.Second)
	for {
		d.mu.Lock()
		n := len(d.keys)
		d.mu.Unlock()
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the key was not expired by the ticker")
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	<-done
}

func TestExpiryTick(t *testing.T) {
	for _, tt := range []struct{ window, want time.Duration }{
		{5 * time.Minute, 75 * time.Second}, {2 * time.Second, time.Second}, {time.Millisecond, time.Second},
	} {
		if got := expiryTick(tt.window); got != tt.want {
			t.Errorf("expiryTick(%s) = %s, want %s", tt.window, got, tt.want)
		}
	}
}
