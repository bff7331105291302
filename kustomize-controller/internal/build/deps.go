package build

import (
	"crypto/sha256"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"

	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// Deps is what one build observed of its file tree: every file kustomize read, every existence
// or directory check and every listing, each with a hash of what it saw, by path relative to
// the artifact root. A later artifact (another digest) in which every observation comes out the
// same builds the same objects, so a commit that touches one path of a repository shared by a
// hundred Kustomizations rebuilds only the Kustomizations that read that path.
//
// Observations are replayed in the build's order, because kustomize decides what to look at next
// from what it saw; the first difference stops the replay.
type Deps struct {
	obs []observation
	// replayable is false when the build looked outside the artifact (remote bases cloned into
	// temporary directories) or decrypted files: the tree alone does not determine its output.
	replayable bool
}

type observation struct {
	op   string // read, exists, isdir, readdir, glob, abs, walk
	path string // relative to the artifact root (for glob: the relative pattern)
	sum  [sha256.Size]byte
}

// Len is the number of observations (for tests and logs).
func (d *Deps) Len() int { return len(d.obs) }

// recordingFS passes every call to the build's filesystem and records the read-only ones.
type recordingFS struct {
	filesys.FileSystem
	root string
	deps *Deps
}

func newRecordingFS(fs filesys.FileSystem, root string) *recordingFS {
	return &recordingFS{FileSystem: fs, root: root, deps: &Deps{replayable: true}}
}

// depsMark is a point in a recording to go back to.
type depsMark struct {
	n          int
	replayable bool
}

// mark and rewind let an attempt that turns out not to apply (the plain build) leave no
// observation behind for the build that runs instead.
func (r *recordingFS) mark() depsMark { return depsMark{len(r.deps.obs), r.deps.replayable} }

func (r *recordingFS) rewind(m depsMark) {
	r.deps.obs = r.deps.obs[:m.n]
	r.deps.replayable = m.replayable
}

// rel turns a path under the root into a root-relative one; anything else marks the build as
// not replayable.
func (r *recordingFS) rel(p string) string {
	p = filepath.Clean(p)
	if p == r.root {
		return "."
	}
	if strings.HasPrefix(p, r.root+string(filepath.Separator)) {
		return p[len(r.root)+1:]
	}
	r.deps.replayable = false
	return p
}

func (r *recordingFS) note(op, path string, parts ...string) {
	h := sha256.New()
	for _, s := range parts {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	o := observation{op: op, path: r.rel(path)}
	copy(o.sum[:], h.Sum(nil))
	r.deps.obs = append(r.deps.obs, o)
}

func errMark(err error) string {
	if err != nil {
		return "error"
	}
	return "ok"
}

func boolMark(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

func (r *recordingFS) ReadFile(path string) ([]byte, error) {
	b, err := r.FileSystem.ReadFile(path)
	r.note("read", path, errMark(err), string(b))
	return b, err
}

func (r *recordingFS) Open(path string) (filesys.File, error) {
	// Whatever is read through the handle is the file's content: record that.
	b, rerr := r.FileSystem.ReadFile(path)
	f, err := r.FileSystem.Open(path)
	r.note("open", path, errMark(err), errMark(rerr), string(b))
	return f, err
}

func (r *recordingFS) Exists(path string) bool {
	ok := r.FileSystem.Exists(path)
	r.note("exists", path, boolMark(ok))
	return ok
}

func (r *recordingFS) IsDir(path string) bool {
	ok := r.FileSystem.IsDir(path)
	r.note("isdir", path, boolMark(ok))
	return ok
}

func (r *recordingFS) ReadDir(path string) ([]string, error) {
	names, err := r.FileSystem.ReadDir(path)
	sorted := append([]string(nil), names...)
	sort.Strings(sorted)
	r.note("readdir", path, append([]string{errMark(err)}, sorted...)...)
	return names, err
}

func (r *recordingFS) Glob(pattern string) ([]string, error) {
	matches, err := r.FileSystem.Glob(pattern)
	parts := []string{errMark(err)}
	for _, m := range matches {
		parts = append(parts, r.rel(m))
	}
	r.note("glob", pattern, parts...)
	return matches, err
}

func (r *recordingFS) CleanedAbs(path string) (filesys.ConfirmedDir, string, error) {
	dir, file, err := r.FileSystem.CleanedAbs(path)
	r.note("abs", path, errMark(err), r.rel(string(dir)), file)
	return dir, file, err
}

func (r *recordingFS) Walk(path string, walkFn filepath.WalkFunc) error {
	var visits []string
	err := r.FileSystem.Walk(path, func(p string, info fs.FileInfo, err error) error {
		visits = append(visits, r.rel(p), boolMark(info != nil && info.IsDir()), errMark(err))
		return walkFn(p, info, err)
	})
	r.note("walk", path, append([]string{errMark(err)}, visits...)...)
	return err
}

// replay performs the observations of d against fsys (rooted at root) and reports whether every
// one of them comes out the same.
func (d *Deps) replay(fsys filesys.FileSystem, root string) bool {
	if d == nil || !d.replayable {
		return false
	}
	r := newRecordingFS(fsys, root)
	for i, o := range d.obs {
		p := filepath.Join(root, o.path)
		switch o.op {
		case "read":
			_, _ = r.ReadFile(p)
		case "open":
			if f, err := r.Open(p); err == nil {
				_ = f.Close()
			}
		case "walk":
			// Visit everything: if the build's walk skipped parts, the lists differ and the
			// Kustomization is simply rebuilt.
			_ = r.Walk(p, func(string, fs.FileInfo, error) error { return nil })
		case "exists":
			r.Exists(p)
		case "isdir":
			r.IsDir(p)
		case "readdir":
			_, _ = r.ReadDir(p)
		case "glob":
			_, _ = r.Glob(p)
		case "abs":
			_, _, _ = r.CleanedAbs(p)
		default:
			return false
		}
		if !r.deps.replayable || r.deps.obs[i].sum != o.sum {
			return false
		}
	}
	return true
}
