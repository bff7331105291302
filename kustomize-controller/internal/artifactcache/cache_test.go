package artifactcache

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
)

func tarball(t *testing.T, files map[string]string, extra ...*tar.Header) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for name, content := range files {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(content)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(content)); err != nil {
			t.Fatal(err)
		}
	}
	for _, h := range extra {
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func digestOf(b []byte) string { return fmt.Sprintf("sha256:%x", sha256.Sum256(b)) }

func TestAcquire(t *testing.T) {
	good := tarball(t, map[string]string{"apps/cm.yaml": "kind: ConfigMap"})
	escaping := tarball(t, map[string]string{"../evil.yaml": "x"})
	withLink := tarball(t, map[string]string{"a.yaml": "a"}, &tar.Header{Name: "link", Linkname: "/etc/passwd", Typeflag: tar.TypeSymlink})
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		switch r.URL.Path {
		case "/good.tar.gz":
			w.Write(good)
		case "/escaping.tar.gz":
			w.Write(escaping)
		case "/link.tar.gz":
			w.Write(withLink)
		case "/broken.tar.gz":
			w.WriteHeader(http.StatusInternalServerError)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()

	tests := []struct {
		name       string
		art        meta.Artifact
		wantErr    string
		isNotFound bool
		check      func(t *testing.T, root string)
	}{
		{name: "extracts and verifies", art: meta.Artifact{URL: srv.URL + "/good.tar.gz", Digest: digestOf(good)},
			check: func(t *testing.T, root string) {
				b, err := os.ReadFile(filepath.Join(root, "apps/cm.yaml"))
				if err != nil || string(b) != "kind: ConfigMap" {
					t.Errorf("content = %q, %v", b, err)
				}
			}},
		{name: "bare hex digest is sha256", art: meta.Artifact{URL: srv.URL + "/good.tar.gz", Digest: digestOf(good)[len("sha256:"):]}},
		{name: "digest mismatch", art: meta.Artifact{URL: srv.URL + "/good.tar.gz", Digest: "sha256:" + fmt.Sprintf("%064d", 0)}, wantErr: "digest mismatch"},
		{name: "404 is ErrNotFound", art: meta.Artifact{URL: srv.URL + "/gone.tar.gz", Digest: digestOf([]byte("x"))}, isNotFound: true},
		{name: "5xx after retries", art: meta.Artifact{URL: srv.URL + "/broken.tar.gz", Digest: digestOf([]byte("y"))}, wantErr: "gave up after 2 attempts"},
		{name: "path traversal rejected", art: meta.Artifact{URL: srv.URL + "/escaping.tar.gz", Digest: digestOf(escaping)}, wantErr: "invalid name"},
		{name: "symlinks skipped", art: meta.Artifact{URL: srv.URL + "/link.tar.gz", Digest: digestOf(withLink)},
			check: func(t *testing.T, root string) {
				if _, err := os.Lstat(filepath.Join(root, "link")); !os.IsNotExist(err) {
					t.Errorf("symlink was extracted: %v", err)
				}
			}},
		{name: "unknown algorithm", art: meta.Artifact{URL: srv.URL + "/good.tar.gz", Digest: "md5:abc"}, wantErr: "unsupported"},
		{name: "digest with path characters", art: meta.Artifact{URL: srv.URL + "/good.tar.gz", Digest: "sha256:../../x"}, wantErr: "invalid artifact digest"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &Cache{Dir: t.TempDir(), Retries: 1, RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond}
			root, release, err := c.Acquire(t.Context(), &tt.art)
			switch {
			case tt.isNotFound:
				if !errors.Is(err, ErrNotFound) {
					t.Fatalf("want ErrNotFound, got %v", err)
				}
				return
			case tt.wantErr != "":
				if err == nil || !bytes.Contains([]byte(err.Error()), []byte(tt.wantErr)) {
					t.Fatalf("want error containing %q, got %v", tt.wantErr, err)
				}
				return
			case err != nil:
				t.Fatal(err)
			}
			defer release()
			if tt.check != nil {
				tt.check(t, root)
			}
		})
	}
}

func TestAcquire_OneExtractionPerDigest(t *testing.T) {
	good := tarball(t, map[string]string{"a.yaml": "a"})
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Write(good)
	}))
	defer srv.Close()
	c := &Cache{Dir: t.TempDir()}
	art := &meta.Artifact{URL: srv.URL + "/a.tar.gz", Digest: digestOf(good)}
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, release, err := c.Acquire(t.Context(), art)
			if err != nil {
				t.Error(err)
				return
			}
			release()
		}()
	}
	wg.Wait()
	if hits.Load() != 1 || c.Extractions() != 1 {
		t.Errorf("downloads = %d, extractions = %d, want 1 and 1", hits.Load(), c.Extractions())
	}
}

func TestEvict_KeepsEntriesInUse(t *testing.T) {
	var blobs [][]byte
	for i := range 3 {
		blobs = append(blobs, tarball(t, map[string]string{"f.yaml": fmt.Sprint(i)}))
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var i int
		fmt.Sscanf(r.URL.Path, "/%d", &i)
		w.Write(blobs[i])
	}))
	defer srv.Close()
	c := &Cache{Dir: t.TempDir(), MaxEntries: 1}
	held, releaseHeld, err := c.Acquire(t.Context(), &meta.Artifact{URL: srv.URL + "/0", Digest: digestOf(blobs[0])})
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < 3; i++ {
		_, release, err := c.Acquire(t.Context(), &meta.Artifact{URL: fmt.Sprintf("%s/%d", srv.URL, i), Digest: digestOf(blobs[i])})
		if err != nil {
			t.Fatal(err)
		}
		release()
	}
	if _, err := os.Stat(filepath.Join(held, "f.yaml")); err != nil {
		t.Errorf("an entry in use was evicted: %v", err)
	}
	releaseHeld()
	entries, _ := os.ReadDir(c.Dir)
	if len(entries) > 2 {
		t.Errorf("cache holds %d directories, want at most 2 (one held + the bound)", len(entries))
	}
}
