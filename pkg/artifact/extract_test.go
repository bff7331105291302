package artifact

import (
	"archive/tar"
	"errors"
	"os"
	"path/filepath"
	"testing"

	. "github.com/onsi/gomega"
)

func TestFetch_extraction(t *testing.T) {
	tests := []struct {
		name         string
		entries      []entry
		maxExtracted int64
		wantTree     []string
		wantErr      string
		wantName     string
		wantErrIs    error
	}{
		{
			name:     "regular files and directories",
			entries:  []entry{dir("deploy"), file("deploy/app.yaml", "kind: Deployment"), file("kustomization.yaml", "resources: []")},
			wantTree: []string{"deploy/", "deploy/app.yaml=kind: Deployment", "kustomization.yaml=resources: []"},
		},
		{
			name:     "files without directory entries",
			entries:  []entry{file("a/b/c.yaml", "c")},
			wantTree: []string{"a/", "a/b/", "a/b/c.yaml=c"},
		},
		{
			name:    "absolute path",
			entries: []entry{file("ok.yaml", "ok"), file("/tmp/evil", "x")},
			wantErr: `unsafe path`, wantName: `"/tmp/evil"`,
		},
		{
			name:    "parent traversal",
			entries: []entry{file("../evil", "x")},
			wantErr: `unsafe path`, wantName: `"../evil"`,
		},
		{
			name:    "nested traversal",
			entries: []entry{file("a/../../evil", "x")},
			wantErr: `unsafe path`, wantName: `"a/../../evil"`,
		},
		{
			name:    "bare dot-dot directory",
			entries: []entry{dir("..")},
			wantErr: `unsafe path`, wantName: `".."`,
		},
		{
			name:    "trailing dot-dot",
			entries: []entry{dir("a/..")},
			wantErr: `unsafe path`, wantName: `"a/.."`,
		},
		{
			name:    "backslash traversal",
			entries: []entry{file(`..\evil`, "x")},
			wantErr: `unsafe path`,
		},
		{
			name:     "absolute symlink is skipped",
			entries:  []entry{{name: "etc", typeflag: tar.TypeSymlink, linkname: "/etc"}, file("ok.yaml", "ok")},
			wantTree: []string{"ok.yaml=ok"},
		},
		{
			name: "symlink then write through it stays inside",
			entries: []entry{
				{name: "escape", typeflag: tar.TypeSymlink, linkname: "../../.."},
				file("escape/pwned", "x"),
			},
			wantTree: []string{"escape/", "escape/pwned=x"},
		},
		{
			name:     "hard link is skipped",
			entries:  []entry{{name: "passwd", typeflag: tar.TypeLink, linkname: "/etc/passwd"}, file("ok.yaml", "ok")},
			wantTree: []string{"ok.yaml=ok"},
		},
		{
			name:     "devices and fifos are skipped",
			entries:  []entry{{name: "null", typeflag: tar.TypeChar}, {name: "fifo", typeflag: tar.TypeFifo}, file("ok.yaml", "ok")},
			wantTree: []string{"ok.yaml=ok"},
		},
		{
			name:         "extracted size limit",
			entries:      []entry{file("a", "0123456789"), file("b", "0123456789")},
			maxExtracted: 15,
			wantErrIs:    ErrTooLarge,
		},
		{
			name:         "within extracted size limit",
			entries:      []entry{file("a", "0123456789")},
			maxExtracted: 10,
			wantTree:     []string{"a=0123456789"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			body := tarGz(t, tt.entries...)
			srv := newArtifactServer(t, body, 0, 0)
			root := t.TempDir()
			target := filepath.Join(root, "work", "out")

			err := Fetch(t.Context(), srv.URL+"/gitrepository/ns/name/abc.tar.gz", sha256Of(body), target,
				WithMaxExtractedSize(tt.maxExtracted))

			// Nothing may ever be written outside the target directory's parent.
			g.Expect(tree(t, filepath.Dir(root))).To(HaveEach(HavePrefix(filepath.Base(root))))
			if tt.wantErr != "" || tt.wantErrIs != nil {
				g.Expect(err).To(HaveOccurred())
				if tt.wantErr != "" {
					g.Expect(err.Error()).To(ContainSubstring(tt.wantErr))
					g.Expect(err.Error()).To(ContainSubstring(tt.wantName))
				}
				if tt.wantErrIs != nil {
					g.Expect(err).To(MatchError(tt.wantErrIs))
				}
				// Atomic: no partial tree, no leftovers next to it.
				g.Expect(tree(t, root)).To(Equal([]string{"work/"}))
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(tree(t, target)).To(Equal(tt.wantTree))
			g.Expect(tree(t, root)).To(HaveEach(Or(Equal("work/"), HavePrefix("work/out"))), "no leftovers next to the target")
		})
	}
}

func TestFetch_notGzip(t *testing.T) {
	g := NewWithT(t)
	body := []byte("this is not a tarball")
	srv := newArtifactServer(t, body, 0, 0)
	err := Fetch(t.Context(), srv.URL+"/a.tar.gz", sha256Of(body), filepath.Join(t.TempDir(), "out"))
	g.Expect(err).To(MatchError(ContainSubstring("gzip")))
}

func TestFetch_targetDirectory(t *testing.T) {
	body := tarGz(t, file("a", "a"))
	tests := []struct {
		name    string
		prepare func(t *testing.T, target string)
		wantErr string
	}{
		{name: "missing directory is created", prepare: func(t *testing.T, target string) {}},
		{name: "empty directory is filled", prepare: func(t *testing.T, target string) {
			if err := os.Mkdir(target, 0o755); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "non-empty directory is refused", wantErr: "not empty", prepare: func(t *testing.T, target string) {
			if err := os.MkdirAll(filepath.Join(target, "old"), 0o755); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			srv := newArtifactServer(t, body, 0, 0)
			target := filepath.Join(t.TempDir(), "out")
			tt.prepare(t, target)
			err := Fetch(t.Context(), srv.URL+"/a.tar.gz", sha256Of(body), target)
			if tt.wantErr != "" {
				g.Expect(err).To(MatchError(ContainSubstring(tt.wantErr)))
				g.Expect(errors.Is(err, os.ErrExist)).To(BeTrue())
				g.Expect(tree(t, target)).To(Equal([]string{"old/"}))
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(tree(t, target)).To(Equal([]string{"a=a"}))
		})
	}
}

// Two consumers fetching the same digest into the same directory: one wins, the other gets
// os.ErrExist and the winner's tree is intact.
func TestFetch_concurrentSameDigest(t *testing.T) {
	g := NewWithT(t)
	body := tarGz(t, file("a", "a"))
	srv := newArtifactServer(t, body, 0, 0)
	d, err := ParseDigest(sha256Of(body))
	g.Expect(err).NotTo(HaveOccurred())
	target := DirFor(t.TempDir(), d)

	errs := make(chan error, 4)
	for range 4 {
		go func() { errs <- Fetch(t.Context(), srv.URL+"/a.tar.gz", d.String(), target) }()
	}
	var ok int
	for range 4 {
		if err := <-errs; err == nil {
			ok++
		} else {
			g.Expect(errors.Is(err, os.ErrExist)).To(BeTrue(), "unexpected error: %v", err)
		}
	}
	g.Expect(ok).To(BeNumerically(">=", 1))
	g.Expect(tree(t, target)).To(Equal([]string{"a=a"}))
}
