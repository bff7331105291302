package apply

import "sync"

// memo computes a value per key at most once, safely from the concurrent checks of one
// Validate: later callers of the same key wait for the first computation and share its result.
// The zero memo is ready to use.
type memo[K comparable, V any] struct {
	mu sync.Mutex
	m  map[K]*memoEntry[V]
}

type memoEntry[V any] struct {
	once sync.Once
	v    V
}

// get returns the value of key, computing it with compute on first use.
func (c *memo[K, V]) get(key K, compute func() V) V {
	c.mu.Lock()
	if c.m == nil {
		c.m = map[K]*memoEntry[V]{}
	}
	e, ok := c.m[key]
	if !ok {
		e = &memoEntry[V]{}
		c.m[key] = e
	}
	c.mu.Unlock()
	e.once.Do(func() { e.v = compute() })
	return e.v
}
