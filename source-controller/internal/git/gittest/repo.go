package gittest

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/go-git/go-billy/v5/memfs"
	"github.com/go-git/go-billy/v5/osfs"
	gogit "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/cache"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/storage/filesystem"
)

// Repo is a repository being served: commits are written directly into its bare storage.
type Repo struct {
	t    testing.TB
	repo *gogit.Repository
	wt   *gogit.Worktree
	// Name is the repository path under the server root, e.g. "org/app.git".
	Name string
}

// InitRepo creates an empty bare repository <root>/<name> whose HEAD is branch.
func InitRepo(t testing.TB, root, name, branch string) *Repo {
	t.Helper()
	storer := filesystem.NewStorage(osfs.New(filepath.Join(root, name)), cache.NewObjectLRUDefault())
	repo, err := gogit.InitWithOptions(storer, memfs.New(), gogit.InitOptions{DefaultBranch: plumbing.NewBranchReferenceName(branch)})
	if err != nil {
		t.Fatalf("init %s: %v", name, err)
	}
	wt, err := repo.Worktree()
	if err != nil {
		t.Fatal(err)
	}
	return &Repo{t: t, repo: repo, wt: wt, Name: name}
}

// Commit writes files (path -> content; "" deletes) on the current branch and returns the SHA.
func (r *Repo) Commit(files map[string]string, msg string) string {
	return r.commit(files, msg, nil)
}

// SignedCommit is Commit with an OpenPGP signature by signer.
func (r *Repo) SignedCommit(files map[string]string, msg string, signer *openpgp.Entity) string {
	return r.commit(files, msg, signer)
}

func (r *Repo) commit(files map[string]string, msg string, signer *openpgp.Entity) string {
	r.t.Helper()
	fs := r.wt.Filesystem
	for p, content := range files {
		if content == "" {
			if _, err := r.wt.Remove(p); err != nil {
				r.t.Fatalf("remove %s: %v", p, err)
			}
			continue
		}
		if err := writeFile(fs, p, []byte(content)); err != nil {
			r.t.Fatalf("write %s: %v", p, err)
		}
		if _, err := r.wt.Add(p); err != nil {
			r.t.Fatalf("add %s: %v", p, err)
		}
	}
	h, err := r.wt.Commit(msg, &gogit.CommitOptions{Author: signature(), SignKey: signer, AllowEmptyCommits: true})
	if err != nil {
		r.t.Fatalf("commit: %v", err)
	}
	return h.String()
}

// Branch creates branch at the current commit and switches to it.
func (r *Repo) Branch(name string) {
	r.t.Helper()
	if err := r.wt.Checkout(&gogit.CheckoutOptions{Branch: plumbing.NewBranchReferenceName(name), Create: true, Keep: true}); err != nil {
		r.t.Fatalf("branch %s: %v", name, err)
	}
}

// Switch checks out an existing branch.
func (r *Repo) Switch(name string) {
	r.t.Helper()
	if err := r.wt.Checkout(&gogit.CheckoutOptions{Branch: plumbing.NewBranchReferenceName(name)}); err != nil {
		r.t.Fatalf("switch %s: %v", name, err)
	}
}

// Tag tags the current commit: lightweight when message is "", else annotated (and signed when
// signer is set).
func (r *Repo) Tag(name, message string, signer *openpgp.Entity) {
	r.t.Helper()
	head, err := r.repo.Head()
	if err != nil {
		r.t.Fatal(err)
	}
	var opts *gogit.CreateTagOptions
	if message != "" {
		opts = &gogit.CreateTagOptions{Tagger: signature(), Message: message, SignKey: signer}
	}
	if _, err := r.repo.CreateTag(name, head.Hash(), opts); err != nil {
		r.t.Fatalf("tag %s: %v", name, err)
	}
}

// SetRef points an arbitrary reference (e.g. refs/pull/1/head) at sha.
func (r *Repo) SetRef(name, sha string) {
	r.t.Helper()
	if err := r.repo.Storer.SetReference(plumbing.NewHashReference(plumbing.ReferenceName(name), plumbing.NewHash(sha))); err != nil {
		r.t.Fatalf("ref %s: %v", name, err)
	}
}

func signature() *object.Signature {
	return &object.Signature{Name: "Eddy Test", Email: "test@eddy.invalid", When: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
}

// PGPKey generates an OpenPGP entity for signing and returns it with its armored public key.
func PGPKey(t testing.TB, name string) (*openpgp.Entity, string) {
	t.Helper()
	e, err := openpgp.NewEntity(name, "test", name+"@eddy.invalid", nil)
	if err != nil {
		t.Fatal(err)
	}
	var buf strings.Builder
	w, err := armor.Encode(&buf, openpgp.PublicKeyType, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Serialize(w); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return e, buf.String()
}
