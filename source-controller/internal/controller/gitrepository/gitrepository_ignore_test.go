package gitrepository

import (
	"testing"

	. "github.com/onsi/gomega"
	"k8s.io/utils/ptr"

	sourcev1 "github.com/eddy-gitops/eddy/api/source/v1"
	"github.com/eddy-gitops/eddy/source-controller/internal/git/gittest"
)

func TestGitRepository_ignoreAndSparse(t *testing.T) {
	srv := gittest.NewServer(t, "", "")
	plain := gittest.InitRepo(t, srv.Root(), "plain.git", "master")
	plain.Commit(map[string]string{
		"deploy/app.yaml":          "kind: App\n",
		"deploy/logo.png":          "png",
		"docs/readme.md":           "docs",
		".github/workflows/ci.yml": "on: push",
		".gitignore":               "bin/",
		"release.tar.gz":           "tgz",
		"secret/.sops.yaml":        "sops",
	}, "plain")
	withIgnoreFile := gittest.InitRepo(t, srv.Root(), "sourceignore.git", "master")
	withIgnoreFile.Commit(map[string]string{
		".sourceignore":   "docs/\n",
		"deploy/app.yaml": "kind: App\n",
		"docs/readme.md":  "docs",
		"deploy/logo.png": "png",
	}, "with .sourceignore")

	ns := env.CreateNamespace(t, "git-ignore")
	tests := []struct {
		name      string
		repo      string
		mutate    func(*sourcev1.GitRepositorySpec)
		wantFiles []string
	}{
		{name: "defaults", repo: "plain.git", wantFiles: []string{"deploy/app.yaml", "docs/readme.md"}},
		{name: "spec-ignore-replaces-defaults", repo: "plain.git",
			mutate: func(s *sourcev1.GitRepositorySpec) {
				s.Ignore = ptr.To("# exclude all\n/*\n# but the deploy directory\n!/deploy\n")
			},
			wantFiles: []string{"deploy/app.yaml", "deploy/logo.png"}},
		{name: "sourceignore-file", repo: "sourceignore.git", wantFiles: []string{".sourceignore", "deploy/app.yaml", "deploy/logo.png"}},
		{name: "sparse-checkout", repo: "plain.git",
			mutate:    func(s *sourcev1.GitRepositorySpec) { s.SparseCheckout = []string{"deploy"} },
			wantFiles: []string{"deploy/app.yaml"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g := NewWithT(t)
			obj := newGitRepository(ns, tt.name, srv.RepoURL(tt.repo))
			if tt.mutate != nil {
				tt.mutate(&obj.Spec)
			}
			env.CreateAndWait(t, obj)
			got := waitReady(t, obj)
			files := download(t, got.Status.Artifact)
			var names []string
			for name := range files {
				names = append(names, name)
			}
			g.Expect(names).To(ConsistOf(tt.wantFiles))
			g.Expect(got.Status.ObservedIgnore).To(Equal(obj.Spec.Ignore))
			g.Expect(got.Status.ObservedSparseCheckout).To(Equal(obj.Spec.SparseCheckout))
		})
	}
}

// Changing only spec.ignore rebuilds the artifact of the same revision.
func TestGitRepository_ignoreChangeRebuilds(t *testing.T) {
	g := NewWithT(t)
	srv := gittest.NewServer(t, "", "")
	r := gittest.InitRepo(t, srv.Root(), "app.git", "master")
	r.Commit(map[string]string{"a.yaml": "a", "b.yaml": "b"}, "two files")
	ns := env.CreateNamespace(t, "git-ignorechange")
	obj := newGitRepository(ns, "app", srv.RepoURL("app.git"))
	env.CreateAndWait(t, obj)
	before := waitReady(t, obj).Status.Artifact
	g.Expect(download(t, before)).To(HaveLen(2))

	updateSpec(t, obj, func(s *sourcev1.GitRepositorySpec) { s.Ignore = ptr.To("b.yaml") })
	got := waitReady(t, obj)
	g.Expect(got.Status.Artifact.Revision).To(Equal(before.Revision))
	g.Expect(got.Status.Artifact.Digest).NotTo(Equal(before.Digest))
	g.Expect(download(t, got.Status.Artifact)).To(HaveKey("a.yaml"))
	g.Expect(download(t, got.Status.Artifact)).NotTo(HaveKey("b.yaml"))
	g.Expect(*got.Status.ObservedIgnore).To(Equal("b.yaml"))
}
