package gitrepository

import (
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/artifact/storage"
	"k8s.io/apimachinery/pkg/types"
)

// fileStamp is what a cheap look at a stored artifact sees: where it is, which digest status
// claims for it, and the file's size and modification time.
type fileStamp struct {
	path    string
	digest  string
	size    int64
	modTime time.Time
}

// artifactChecks remembers, per object, the stamp of the artifact file whose digest this
// process last computed (when writing it, or when verifying it after a start or a change on
// disk). While the file keeps that stamp, re-reading and re-hashing it on every no-change
// reconcile would only cost I/O: a 50 MB artifact is then a stat instead of 50 MB read. The zero
// value is ready to use.
type artifactChecks struct {
	mu     sync.Mutex
	stamps map[types.NamespacedName]fileStamp
}

// verify checks that the artifact's file exists with the size in status, and verifies its
// digest unless the file is unchanged since its digest was last computed.
func (c *artifactChecks) verify(st *storage.Storage, key types.NamespacedName, a meta.Artifact) error {
	cur, err := stampOf(st, a)
	if err != nil {
		c.forget(key)
		return err
	}
	if err := checkSize(a, cur); err != nil {
		c.forget(key)
		return err
	}
	c.mu.Lock()
	prev, ok := c.stamps[key]
	c.mu.Unlock()
	if ok && prev == cur {
		return nil
	}
	if err := st.VerifyArtifact(a); err != nil {
		c.forget(key)
		return err
	}
	c.remember(key, cur)
	return nil
}

// stored records the stamp of an artifact this process just wrote (and hashed while writing).
func (c *artifactChecks) stored(st *storage.Storage, key types.NamespacedName, a meta.Artifact) {
	if cur, err := stampOf(st, a); err == nil {
		c.remember(key, cur)
	}
}

func (c *artifactChecks) remember(key types.NamespacedName, s fileStamp) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stamps == nil {
		c.stamps = map[types.NamespacedName]fileStamp{}
	}
	c.stamps[key] = s
}

func (c *artifactChecks) forget(key types.NamespacedName) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.stamps, key)
}

// stampOf stats the artifact's file.
func stampOf(st *storage.Storage, a meta.Artifact) (fileStamp, error) {
	path := st.LocalPath(a)
	fi, err := os.Stat(path)
	if err != nil {
		return fileStamp{}, fmt.Errorf("artifact file: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return fileStamp{}, fmt.Errorf("artifact file %s is not a regular file", path)
	}
	return fileStamp{path: path, digest: a.Digest, size: fi.Size(), modTime: fi.ModTime()}, nil
}

// checkSize compares the file's size with status.artifact.size, when status has one: a
// truncated or replaced file is caught without reading it.
func checkSize(a meta.Artifact, cur fileStamp) error {
	if a.Size != nil && *a.Size != cur.size {
		return fmt.Errorf("artifact file %s has %d bytes, status says %d", cur.path, cur.size, *a.Size)
	}
	return nil
}
