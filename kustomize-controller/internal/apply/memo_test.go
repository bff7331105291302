package apply

import (
	"sync"
	"sync/atomic"
	"testing"
)

// TestMemo: concurrent callers of one key share a single computation; keys are independent.
func TestMemo(t *testing.T) {
	var m memo[string, int]
	var calls atomic.Int32
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := []string{"a", "b"}[i%2]
			if got := m.get(key, func() int { calls.Add(1); return len(key) * 10 }); got != 10 {
				t.Errorf("get(%q) = %d, want 10", key, got)
			}
		}()
	}
	wg.Wait()
	if n := calls.Load(); n != 2 {
		t.Errorf("%d computations for 2 keys", n)
	}
}
