package gitrepository

import (
	"crypto/rand"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/artifact/storage"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	sourcev1 "github.com/eddy-gitops/eddy/api/source/v1"
)

// storedArtifact archives a directory with one file of size bytes into a fresh storage.
func storedArtifact(tb testing.TB, size int) (*storage.Storage, meta.Artifact) {
	tb.Helper()
	st := &storage.Storage{BasePath: tb.TempDir(), Hostname: "localhost"}
	src := tb.TempDir()
	content := make([]byte, size)
	_, _ = rand.Read(content)
	if err := os.WriteFile(filepath.Join(src, "data.bin"), content, 0o644); err != nil {
		tb.Fatal(err)
	}
	obj := &sourcev1.GitRepository{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "repo"}}
	a := st.NewArtifactFor(sourcev1.GitRepositoryKind, obj, "main@sha1:abc", "abc.tar.gz")
	if err := st.MkdirAll(a); err != nil {
		tb.Fatal(err)
	}
	if err := st.Archive(&a, src, nil); err != nil {
		tb.Fatal(err)
	}
	return st, a
}

// flipLastByte changes the file's content but not its size, then sets its modification time.
func flipLastByte(t *testing.T, path string, mtime time.Time) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)-1] ^= 0xff
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, mtime, mtime); err != nil {
		t.Fatal(err)
	}
}

func TestArtifactChecks(t *testing.T) {
	key := types.NamespacedName{Namespace: "ns", Name: "repo"}
	tests := []struct {
		name string
		// stored: the artifact was recorded as just written before the damage.
		stored  bool
		damage  func(t *testing.T, path string, mtime time.Time)
		wantErr string
	}{
		{name: "intact file, first check after a start (full digest)"},
		{name: "intact file just stored", stored: true},
		{name: "deleted file", stored: true, damage: func(t *testing.T, p string, _ time.Time) { _ = os.Remove(p) },
			wantErr: "no such file"},
		{name: "truncated file is caught by its size", stored: true,
			damage: func(t *testing.T, p string, _ time.Time) { _ = os.Truncate(p, 10) }, wantErr: "has 10 bytes, status says"},
		{name: "same-size rewrite with a new mtime is re-hashed", stored: true,
			damage: func(t *testing.T, p string, m time.Time) { flipLastByte(t, p, m.Add(time.Second)) }, wantErr: "computed digest"},
		{name: "same-size damage before any check is re-hashed",
			damage: func(t *testing.T, p string, m time.Time) { flipLastByte(t, p, m) }, wantErr: "computed digest"},
		// The one case the cheap check trusts: same size and mtime as when this process hashed
		// it. Flipping a byte behind its back proves that no digest was computed.
		{name: "unchanged stamp skips the digest", stored: true,
			damage: func(t *testing.T, p string, m time.Time) { flipLastByte(t, p, m) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			st, a := storedArtifact(t, 4096)
			path := st.LocalPath(a)
			fi, err := os.Stat(path)
			g.Expect(err).NotTo(HaveOccurred())
			checks := &artifactChecks{}
			if tt.stored {
				checks.stored(st, key, a)
			}
			if tt.damage != nil {
				tt.damage(t, path, fi.ModTime())
			}
			err = checks.verify(st, key, a)
			if tt.wantErr != "" {
				g.Expect(err).To(MatchError(ContainSubstring(tt.wantErr)))
				g.Expect(checks.stamps).NotTo(HaveKey(key), "a failed check forgets the stamp")
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(checks.stamps).To(HaveKey(key))
		})
	}
}

// BenchmarkArtifactCheck compares the no-change check of a 50 MB artifact with a full digest
// verification: go test -run '^$' -bench ArtifactCheck ./internal/controller/gitrepository/
func BenchmarkArtifactCheck(b *testing.B) {
	st, a := storedArtifact(b, 50<<20)
	key := types.NamespacedName{Namespace: "ns", Name: "repo"}
	b.Run("stamp-unchanged", func(b *testing.B) {
		checks := &artifactChecks{}
		checks.stored(st, key, a)
		for b.Loop() {
			if err := checks.verify(st, key, a); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("full-digest", func(b *testing.B) {
		for b.Loop() {
			if err := st.VerifyArtifact(a); err != nil {
				b.Fatal(err)
			}
		}
	})
}
