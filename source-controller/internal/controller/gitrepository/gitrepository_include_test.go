package gitrepository

import (
	"testing"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	. "github.com/onsi/gomega"

	sourcev1 "github.com/eddy-gitops/eddy/api/source/v1"
	"github.com/eddy-gitops/eddy/source-controller/internal/git/gittest"
)

func TestGitRepository_include(t *testing.T) {
	g := NewWithT(t)
	srv := gittest.NewServer(t, "", "")
	app := gittest.InitRepo(t, srv.Root(), "app.git", "master")
	app.Commit(map[string]string{"app.yaml": "kind: App\n"}, "app")
	lib := gittest.InitRepo(t, srv.Root(), "lib.git", "master")
	lib.Commit(map[string]string{"base/lib.yaml": "v1", "other/x.yaml": "x"}, "lib v1")

	ns := env.CreateNamespace(t, "git-include")
	obj := newGitRepository(ns, "app", srv.RepoURL("app.git"), func(s *sourcev1.GitRepositorySpec) {
		s.Include = []sourcev1.GitRepositoryInclude{
			{GitRepositoryRef: meta.LocalObjectReference{Name: "lib"}, FromPath: "base", ToPath: "vendor/lib"},
			{GitRepositoryRef: meta.LocalObjectReference{Name: "lib"}},
		}
	})
	env.CreateAndWait(t, obj)

	// The included GitRepository does not exist yet: wait for it, without an artifact.
	got := waitNotReady(t, obj, "NotFound")
	g.Expect(conditions.IsTrue(got, sourcev1.IncludeUnavailableCondition)).To(BeTrue())
	g.Expect(conditions.GetMessage(got, sourcev1.IncludeUnavailableCondition)).To(ContainSubstring("could not get resource for include 'lib'"))
	g.Expect(got.Status.Artifact).To(BeNil())

	libObj := newGitRepository(ns, "lib", srv.RepoURL("lib.git"))
	env.CreateAndWait(t, libObj)
	libReady := waitReady(t, libObj)
	got = waitReady(t, obj)
	g.Expect(conditions.Has(got, sourcev1.IncludeUnavailableCondition)).To(BeFalse())
	files := download(t, got.Status.Artifact)
	g.Expect(files).To(HaveKeyWithValue("app.yaml", "kind: App\n"))
	g.Expect(files).To(HaveKeyWithValue("vendor/lib/lib.yaml", "v1"))
	g.Expect(files).To(HaveKeyWithValue("lib/base/lib.yaml", "v1"))
	g.Expect(files).To(HaveKeyWithValue("lib/other/x.yaml", "x"))
	g.Expect(got.Status.ObservedInclude).To(Equal(obj.Spec.Include))
	g.Expect(got.Status.IncludedArtifacts).To(HaveLen(2))
	g.Expect(got.Status.IncludedArtifacts[0].Revision).To(Equal(libReady.Status.Artifact.Revision))
	appRevision, appDigest := got.Status.Artifact.Revision, got.Status.Artifact.Digest

	// A new commit in the included repository re-reconciles the includer (watch on the index).
	lib.Commit(map[string]string{"base/lib.yaml": "v2"}, "lib v2")
	requestReconcile(t, libObj)
	NewWithT(t).Eventually(func(g Gomega) {
		cur := get(g, obj)
		g.Expect(cur.Status.Artifact).NotTo(BeNil())
		g.Expect(cur.Status.IncludedArtifacts).To(HaveLen(2))
		g.Expect(cur.Status.IncludedArtifacts[0].Revision).NotTo(Equal(libReady.Status.Artifact.Revision))
	}, timeout).Should(Succeed())
	got = waitReady(t, obj)
	g.Expect(download(t, got.Status.Artifact)).To(HaveKeyWithValue("vendor/lib/lib.yaml", "v2"))
	// Same commit of app, new artifact content.
	g.Expect(got.Status.Artifact.Revision).To(Equal(appRevision))
	g.Expect(got.Status.Artifact.Digest).NotTo(Equal(appDigest))
}

func TestGitRepository_includeInvalidToPath(t *testing.T) {
	g := NewWithT(t)
	srv := gittest.NewServer(t, "", "")
	gittest.InitRepo(t, srv.Root(), "app.git", "master").Commit(map[string]string{"a": "a"}, "a")
	ns := env.CreateNamespace(t, "git-include-bad")
	lib := newGitRepository(ns, "lib", srv.RepoURL("app.git"))
	env.CreateAndWait(t, lib)
	waitReady(t, lib)
	obj := newGitRepository(ns, "app", srv.RepoURL("app.git"), func(s *sourcev1.GitRepositorySpec) {
		s.Include = []sourcev1.GitRepositoryInclude{{GitRepositoryRef: meta.LocalObjectReference{Name: "lib"}, ToPath: "../.."}}
	})
	env.CreateAndWait(t, obj)
	got := waitNotReady(t, obj, sourcev1.InvalidPathReason)
	g.Expect(conditions.IsStalled(got)).To(BeTrue())
	g.Expect(conditions.GetMessage(got, meta.ReadyCondition)).To(Equal("invalid toPath '../..' for include 'lib'"))
}
