package gitpushtest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/fluxcd/pkg/gittestserver"
	fluxssh "github.com/fluxcd/pkg/ssh"
	"github.com/go-git/go-billy/v5"
	"github.com/go-git/go-billy/v5/memfs"
	gogit "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/transport/http"
	"github.com/go-git/go-git/v5/storage/memory"
)

// Credentials of the HTTP server.
const (
	Username = "automation"
	Password = "s3cr3t-pa55"
)

// Server is a running Git server.
type Server struct {
	*gittestserver.GitServer
	// KnownHosts is a known_hosts line for the SSH server; Identity a private key it accepts.
	KnownHosts []byte
	Identity   []byte
}

// NewServer starts a Git server over HTTP (basic auth) and SSH; both stop when the test ends.
func NewServer(t testing.TB) *Server {
	t.Helper()
	srv, err := gittestserver.NewTempGitServer()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(srv.Root()) })
	srv.Auth(Username, Password)
	srv.KeyDir(filepath.Join(srv.Root(), ".keys"))
	if err := srv.StartHTTP(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.StopHTTP)
	if err := srv.ListenSSH(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.StartSSH() }()
	t.Cleanup(func() { _ = srv.StopSSH() })

	s := &Server{GitServer: srv}
	addr := srv.SSHAddress()[len("ssh://git@"):]
	if s.KnownHosts, err = fluxssh.ScanHostKey(addr, 10*time.Second, nil, false); err != nil {
		t.Fatalf("scanning the SSH host key: %v", err)
	}
	kp, err := fluxssh.NewEd25519Generator().Generate()
	if err != nil {
		t.Fatal(err)
	}
	s.Identity = kp.PrivateKey
	return s
}

// InitRepo creates repoPath (e.g. "org/app.git") with one commit holding files, on branch.
func (s *Server) InitRepo(t testing.TB, repoPath, branch string, files map[string]string) {
	t.Helper()
	fixture := t.TempDir()
	for name, content := range files {
		p := filepath.Join(fixture, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.GitServer.InitRepo(fixture, branch, repoPath); err != nil {
		t.Fatal(err)
	}
}

// HTTPURL is the repository's URL over HTTP, without credentials.
func (s *Server) HTTPURL(repoPath string) string { return s.HTTPAddress() + "/" + repoPath }

// SSHURL is the repository's URL over SSH.
func (s *Server) SSHURL(repoPath string) string { return s.SSHAddress() + "/" + repoPath }

// Open opens the server-side (bare) repository directly.
func (s *Server) Open(t testing.TB, repoPath string) *gogit.Repository {
	t.Helper()
	repo, err := gogit.PlainOpen(filepath.Join(s.Root(), repoPath))
	if err != nil {
		t.Fatal(err)
	}
	return repo
}

// Head returns the commit branch points at on the server, or nil when the branch does not exist.
func (s *Server) Head(t testing.TB, repoPath, branch string) *object.Commit {
	t.Helper()
	repo := s.Open(t, repoPath)
	ref, err := repo.Reference(plumbing.NewBranchReferenceName(branch), true)
	if err != nil {
		return nil
	}
	c, err := repo.CommitObject(ref.Hash())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// File returns the content of path in commit c ("" when absent).
func File(t testing.TB, c *object.Commit, path string) string {
	t.Helper()
	f, err := c.File(path)
	if err != nil {
		return ""
	}
	content, err := f.Contents()
	if err != nil {
		t.Fatal(err)
	}
	return content
}

// PushFile is another Git user: it clones branch over HTTP, writes one file, commits and pushes.
// It returns the new commit's SHA.
func (s *Server) PushFile(t testing.TB, repoPath, branch, path, content, message string) string {
	t.Helper()
	auth := &http.BasicAuth{Username: Username, Password: Password}
	fs := memfsNew()
	repo, err := gogit.Clone(memory.NewStorage(), fs, &gogit.CloneOptions{
		URL: s.HTTPURL(repoPath), Auth: auth, ReferenceName: plumbing.NewBranchReferenceName(branch), SingleBranch: true,
	})
	if err != nil {
		t.Fatalf("other user cloning: %v", err)
	}
	wt, err := repo.Worktree()
	if err != nil {
		t.Fatal(err)
	}
	f, err := fs.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = f.Write([]byte(content))
	_ = f.Close()
	if _, err := wt.Add(path); err != nil {
		t.Fatal(err)
	}
	sig := &object.Signature{Name: "Other User", Email: "other@example.com", When: time.Now()}
	h, err := wt.Commit(message, &gogit.CommitOptions{Author: sig, Committer: sig})
	if err != nil {
		t.Fatal(err)
	}
	if err := repo.Push(&gogit.PushOptions{Auth: auth}); err != nil {
		t.Fatalf("other user pushing: %v", err)
	}
	return h.String()
}

func memfsNew() billy.Filesystem { return memfs.New() }

// AddHistory appends n commits to branch directly in the server's repository, each with the tree
// of the current tip, so that a repository with a long history is quick to make.
func (s *Server) AddHistory(t testing.TB, repoPath, branch string, n int) {
	t.Helper()
	repo := s.Open(t, repoPath)
	name := plumbing.NewBranchReferenceName(branch)
	ref, err := repo.Reference(name, true)
	if err != nil {
		t.Fatal(err)
	}
	tip, err := repo.CommitObject(ref.Hash())
	if err != nil {
		t.Fatal(err)
	}
	parent := tip.Hash
	when := tip.Author.When
	for i := 0; i < n; i++ {
		when = when.Add(time.Second)
		sig := object.Signature{Name: "History", Email: "history@example.com", When: when}
		c := &object.Commit{
			Author: sig, Committer: sig, TreeHash: tip.TreeHash,
			Message: fmt.Sprintf("history commit %d", i), ParentHashes: []plumbing.Hash{parent},
		}
		obj := repo.Storer.NewEncodedObject()
		if err := c.Encode(obj); err != nil {
			t.Fatal(err)
		}
		if parent, err = repo.Storer.SetEncodedObject(obj); err != nil {
			t.Fatal(err)
		}
	}
	if err := repo.Storer.SetReference(plumbing.NewHashReference(name, parent)); err != nil {
		t.Fatal(err)
	}
	// Pack the loose objects, as any real Git host keeps its repositories; thousands of loose
	// objects would make the server, not the automation, the slow part.
	if out, err := exec.Command("git", "-C", filepath.Join(s.Root(), repoPath), "repack", "-a", "-d", "-q").CombinedOutput(); err != nil {
		t.Fatalf("packing the history: %v: %s", err, out)
	}
}
