package artifactcache

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fluxcd/pkg/apis/meta"

	"github.com/eddy-gitops/eddy/pkg/artifact"
)

// ErrNotFound is returned when the source server answers 404: the artifact was garbage-collected
// or never existed. Callers treat it as "source not ready" and retry later.
var ErrNotFound = artifact.ErrNotFound

// Cache is a content-addressed store of extracted artifacts.
type Cache struct {
	// Dir holds one directory per digest.
	Dir string
	// Retries is the number of HTTP retries on connection errors and 5xx (--http-retry).
	Retries int
	// RetryWaitMin and RetryWaitMax bound the backoff between retries (default 5s and 30s, as
	// Flux; tests lower them).
	RetryWaitMin, RetryWaitMax time.Duration
	// MaxEntries bounds the number of extracted digests kept on disk (default 64). Entries in
	// use are never evicted.
	MaxEntries int
	// MaxSize bounds the download and the extracted size of one artifact in bytes (0: none).
	MaxSize int64

	extractions atomic.Int64

	once    sync.Once
	mu      sync.Mutex
	entries map[string]*entry
}

type entry struct {
	ready    chan struct{} // closed when the extraction finished
	err      error
	refs     int
	lastUsed time.Time
}

// Extractions reports how many artifacts were downloaded and extracted so far (for tests and
// the benchmark: one per digest is the target).
func (c *Cache) Extractions() int64 { return c.extractions.Load() }

// Acquire returns the directory holding the extracted artifact, downloading and extracting it
// first if no other Kustomization did so for this digest. The caller must call release when it
// no longer reads the directory; it must not write to it.
func (c *Cache) Acquire(ctx context.Context, art *meta.Artifact) (root string, release func(), err error) {
	c.init()
	key, err := dirName(art.Digest)
	if err != nil {
		return "", nil, err
	}
	c.mu.Lock()
	e, ok := c.entries[key]
	if !ok {
		e = &entry{ready: make(chan struct{})}
		c.entries[key] = e
		go c.fill(key, e, art)
	}
	e.refs++
	e.lastUsed = time.Now()
	c.mu.Unlock()

	release = func() {
		c.mu.Lock()
		e.refs--
		e.lastUsed = time.Now()
		c.mu.Unlock()
	}
	select {
	case <-e.ready:
	case <-ctx.Done():
		release()
		return "", nil, ctx.Err()
	}
	if e.err != nil {
		release()
		c.mu.Lock()
		// Forget failures so that the next attempt downloads again.
		if c.entries[key] == e {
			delete(c.entries, key)
		}
		c.mu.Unlock()
		return "", nil, e.err
	}
	return filepath.Join(c.Dir, key), release, nil
}

func (c *Cache) init() {
	c.once.Do(func() {
		if c.RetryWaitMin == 0 {
			c.RetryWaitMin = 5 * time.Second
		}
		if c.RetryWaitMax == 0 {
			c.RetryWaitMax = 30 * time.Second
		}
		c.entries = map[string]*entry{}
		if c.MaxEntries == 0 {
			c.MaxEntries = 64
		}
	})
}

// fill downloads and extracts one artifact. It runs detached from the requesting reconcile so
// that a cancelled reconcile does not fail the others waiting on the same digest.
func (c *Cache) fill(key string, e *entry, art *meta.Artifact) {
	defer close(e.ready)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	dir := filepath.Join(c.Dir, key)
	if _, err := os.Stat(filepath.Join(dir, ".complete")); err == nil {
		return // extracted by an earlier run of the process
	}
	e.err = c.download(ctx, art, dir)
	if e.err == nil {
		c.extractions.Add(1)
		extractionsTotal.Inc()
		c.evict()
	}
}

func (c *Cache) download(ctx context.Context, art *meta.Artifact, dir string) error {
	opts := []artifact.Option{artifact.WithRetries(c.Retries, c.RetryWaitMin, c.RetryWaitMax)}
	if c.MaxSize > 0 {
		opts = append(opts, artifact.WithMaxDownloadSize(c.MaxSize), artifact.WithMaxExtractedSize(c.MaxSize))
	}
	// Leftovers of a crashed extraction are removed so that Fetch finds an empty target.
	_ = os.RemoveAll(dir)
	if err := artifact.Fetch(ctx, art.URL, art.Digest, dir, opts...); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, ".complete"), nil, 0o644)
}

// evict removes the least recently used entries beyond MaxEntries that nobody holds.
func (c *Cache) evict() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) <= c.MaxEntries {
		return
	}
	keys := make([]string, 0, len(c.entries))
	for k := range c.entries {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return c.entries[keys[i]].lastUsed.Before(c.entries[keys[j]].lastUsed) })
	for _, k := range keys {
		if len(c.entries) <= c.MaxEntries {
			return
		}
		e := c.entries[k]
		select {
		case <-e.ready:
		default:
			continue // still extracting
		}
		if e.refs > 0 {
			continue
		}
		delete(c.entries, k)
		_ = os.RemoveAll(filepath.Join(c.Dir, k))
	}
}

// dirName maps a digest to a directory name below Dir ("<algo>-<hex>").
func dirName(digest string) (string, error) {
	d, err := artifact.ParseDigest(digest)
	if err != nil {
		return "", fmt.Errorf("invalid artifact digest: %w", err)
	}
	return d.Algorithm + "-" + d.Hex, nil
}
