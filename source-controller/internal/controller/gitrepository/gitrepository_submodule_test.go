package gitrepository

import (
	"os/exec"
	"path/filepath"
	"testing"

	. "github.com/onsi/gomega"

	sourcev1 "github.com/eddy-gitops/eddy/api/source/v1"
	"github.com/eddy-gitops/eddy/source-controller/internal/git/gittest"
)

func TestGitRepository_recurseSubmodules(t *testing.T) {
	srv := gittest.NewServer(t, "", "")
	gittest.InitRepo(t, srv.Root(), "sub.git", "master").Commit(map[string]string{"lib.yaml": "from submodule"}, "sub")

	// The parent is made with the git CLI, which records the gitlink and .gitmodules.
	work := t.TempDir()
	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", work, "-c", "user.name=t", "-c", "user.email=t@eddy.invalid"}, args...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	git("init", "-q", "-b", "master")
	git("submodule", "add", "-q", srv.RepoURL("sub.git"), "sub")
	git("commit", "-q", "-m", "add submodule")
	if out, err := exec.Command("git", "clone", "-q", "--bare", work, filepath.Join(srv.Root(), "parent.git")).CombinedOutput(); err != nil {
		t.Fatalf("bare clone: %v\n%s", err, out)
	}

	ns := env.CreateNamespace(t, "git-submodule")
	tests := []struct {
		name    string
		recurse bool
		want    map[string]string
	}{
		// As in Flux, only .git directories are excluded: the submodule's ".git" pointer file stays.
		{name: "recurse", recurse: true, want: map[string]string{"sub/lib.yaml": "from submodule", "sub/.git": "gitdir: ../.git/modules/sub\n"}},
		{name: "no-recurse", recurse: false, want: map[string]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g := NewWithT(t)
			obj := newGitRepository(ns, tt.name, srv.RepoURL("parent.git"), func(s *sourcev1.GitRepositorySpec) { s.RecurseSubmodules = tt.recurse })
			env.CreateAndWait(t, obj)
			got := waitReady(t, obj)
			g.Expect(download(t, got.Status.Artifact)).To(Equal(tt.want))
			g.Expect(got.Status.ObservedRecurseSubmodules).To(Equal(tt.recurse))
		})
	}
}
