package e2e

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/fluxcd/pkg/gittestserver"
	gogit "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
)

// Credentials of the test Git server; the GitRepository gets them through a Secret.
const (
	gitUsername = "eddy"
	gitPassword = "e2e-pa55word"
	gitBranch   = "main"
)

// gitServer starts a Git server over smart HTTP with basic auth; it stops when the test ends.
func gitServer(t *testing.T) *gittestserver.GitServer {
	t.Helper()
	srv, err := gittestserver.NewTempGitServer()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(srv.Root()) })
	srv.Auth(gitUsername, gitPassword)
	if err := srv.StartHTTP(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.StopHTTP)
	return srv
}

// branchSpec pushes the local branch to the same branch on the server.
var branchSpec = config.RefSpec("refs/heads/" + gitBranch + ":refs/heads/" + gitBranch)

// workingCopy is a clone of a repository on the test Git server, used to push commits as a
// developer would.
type workingCopy struct {
	t    *testing.T
	dir  string
	repo *gogit.Repository
	auth *githttp.BasicAuth
}

// newRepository creates repoPath on the server with one commit holding files, and returns a
// clone of it.
func newRepository(t *testing.T, srv *gittestserver.GitServer, repoPath string, files map[string]string) *workingCopy {
	t.Helper()
	fixture := t.TempDir()
	writeFiles(t, fixture, files)
	if err := srv.InitRepo(fixture, gitBranch, repoPath); err != nil {
		t.Fatal(err)
	}
	return clone(t, srv.HTTPAddress()+"/"+repoPath)
}

func clone(t *testing.T, url string) *workingCopy {
	t.Helper()
	wc := &workingCopy{t: t, dir: t.TempDir(), auth: &githttp.BasicAuth{Username: gitUsername, Password: gitPassword}}
	var err error
	if wc.repo, err = gogit.PlainClone(wc.dir, false, &gogit.CloneOptions{
		URL: url, Auth: wc.auth,
		// The server's HEAD names master whatever branch InitRepo created: ask for ours.
		ReferenceName: plumbing.NewBranchReferenceName(gitBranch), SingleBranch: true,
	}); err != nil {
		t.Fatalf("cloning %s: %v", url, err)
	}
	return wc
}

// commit writes files, deletes the paths in remove, commits and pushes; it returns the commit SHA.
func (wc *workingCopy) commit(msg string, files map[string]string, remove ...string) string {
	t := wc.t
	t.Helper()
	wt, err := wc.repo.Worktree()
	if err != nil {
		t.Fatal(err)
	}
	writeFiles(t, wc.dir, files)
	for name := range files {
		if _, err := wt.Add(name); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range remove {
		if _, err := wt.Remove(name); err != nil {
			t.Fatalf("removing %s: %v", name, err)
		}
	}
	sha, err := wt.Commit(msg, &gogit.CommitOptions{Author: &object.Signature{Name: "E2E", Email: "e2e@example.com", When: time.Now()}})
	if err != nil {
		t.Fatal(err)
	}
	if err := wc.repo.Push(&gogit.PushOptions{Auth: wc.auth, RefSpecs: []config.RefSpec{branchSpec}}); err != nil {
		t.Fatalf("pushing: %v", err)
	}
	return sha.String()
}

// pull fetches what others (the image automation) pushed and returns the content of path.
func (wc *workingCopy) pull(path string) string {
	t := wc.t
	t.Helper()
	wt, err := wc.repo.Worktree()
	if err != nil {
		t.Fatal(err)
	}
	if err := wt.Pull(&gogit.PullOptions{Auth: wc.auth, ReferenceName: plumbing.NewBranchReferenceName(gitBranch), SingleBranch: true}); err != nil && err != gogit.NoErrAlreadyUpToDate {
		t.Fatalf("pulling: %v", err)
	}
	b, err := os.ReadFile(filepath.Join(wc.dir, path))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// commitHash returns the SHA of the working copy's HEAD.
func (wc *workingCopy) commitHash() string {
	head, err := wc.repo.Head()
	if err != nil {
		wc.t.Fatal(err)
	}
	return head.Hash().String()
}
