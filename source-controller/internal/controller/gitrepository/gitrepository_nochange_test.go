package gitrepository

import (
	"os"
	"testing"

	"github.com/fluxcd/pkg/runtime/conditions"
	. "github.com/onsi/gomega"

	sourcev1 "github.com/eddy-gitops/eddy/api/source/v1"
	"github.com/eddy-gitops/eddy/source-controller/internal/git/gittest"
)

// When the remote has not moved, a reconcile costs one ref advertisement and no upload-pack
// (no clone), and the artifact is left as it is; a new commit is fetched on the next request.
func TestGitRepository_noChange(t *testing.T) {
	srv := gittest.NewServer(t, "", "")
	r := gittest.InitRepo(t, srv.Root(), "app.git", "master")
	r.Commit(map[string]string{"a.yaml": "1"}, "one")
	r.Tag("v1.0.0", "release", nil)
	r.SetRef("refs/pull/7/head", r.Commit(map[string]string{"a.yaml": "2"}, "two"))
	ns := env.CreateNamespace(t, "git-nochange")

	tests := []struct {
		name string
		ref  *sourcev1.GitRepositoryRef
	}{
		{name: "branch", ref: &sourcev1.GitRepositoryRef{Branch: "master"}},
		{name: "tag", ref: &sourcev1.GitRepositoryRef{Tag: "v1.0.0"}},
		{name: "name", ref: &sourcev1.GitRepositoryRef{Name: "refs/pull/7/head"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Not parallel: the server's request counters are shared.
			g := NewWithT(t)
			obj := newGitRepository(ns, tt.name, srv.RepoURL("app.git"), func(s *sourcev1.GitRepositorySpec) { s.Reference = tt.ref })
			env.CreateAndWait(t, obj)
			before := waitReady(t, obj).Status.Artifact

			srv.ResetCounters()
			token := requestReconcile(t, obj)
			got := waitHandled(t, obj, token)
			g.Expect(conditions.IsReady(got)).To(BeTrue())
			g.Expect(srv.UploadPacks.Load()).To(BeZero(), "no clone")
			g.Expect(srv.Advertisements.Load()).To(BeNumerically(">=", 1), "the remote was asked")
			g.Expect(got.Status.Artifact).To(Equal(before))
			g.Expect(artifactStorage.ArtifactExist(*got.Status.Artifact)).To(BeTrue())
		})
	}

	t.Run("new-commit", func(t *testing.T) {
		g := NewWithT(t)
		obj := &sourcev1.GitRepository{}
		obj.Namespace, obj.Name = ns, "branch"
		before := get(g, obj).Status.Artifact
		sha := r.Commit(map[string]string{"a.yaml": "3"}, "three")
		srv.ResetCounters()
		token := requestReconcile(t, obj)
		got := waitHandled(t, obj, token)
		g.Expect(conditions.IsReady(got)).To(BeTrue())
		g.Expect(got.Status.Artifact.Revision).To(Equal("master@sha1:" + sha))
		g.Expect(srv.UploadPacks.Load()).To(BeNumerically(">=", 1))
		g.Expect(download(t, got.Status.Artifact)).To(HaveKeyWithValue("a.yaml", "3"))
		// The previous artifact is kept by garbage collection (retention 2 records).
		g.Expect(artifactStorage.ArtifactExist(*before)).To(BeTrue())
	})

	t.Run("missing-file-is-rebuilt", func(t *testing.T) {
		g := NewWithT(t)
		obj := &sourcev1.GitRepository{}
		obj.Namespace, obj.Name = ns, "tag"
		before := get(g, obj).Status.Artifact
		g.Expect(artifactStorage.Remove(*before)).To(Succeed())
		srv.ResetCounters()
		token := requestReconcile(t, obj)
		got := waitHandled(t, obj, token)
		g.Expect(conditions.IsReady(got)).To(BeTrue())
		g.Expect(srv.UploadPacks.Load()).To(BeNumerically(">=", 1), "cloned again")
		g.Expect(got.Status.Artifact.Digest).To(Equal(before.Digest), "same content, same digest")
		g.Expect(artifactStorage.ArtifactExist(*got.Status.Artifact)).To(BeTrue())
	})

	t.Run("truncated-file-is-rebuilt", func(t *testing.T) {
		g := NewWithT(t)
		obj := &sourcev1.GitRepository{}
		obj.Namespace, obj.Name = ns, "name"
		before := get(g, obj).Status.Artifact
		// Same path, fewer bytes: only the size check in the no-change path can notice.
		g.Expect(os.Truncate(artifactStorage.LocalPath(*before), *before.Size/2)).To(Succeed())
		srv.ResetCounters()
		token := requestReconcile(t, obj)
		got := waitHandled(t, obj, token)
		g.Expect(conditions.IsReady(got)).To(BeTrue())
		g.Expect(srv.UploadPacks.Load()).To(BeNumerically(">=", 1), "cloned again")
		g.Expect(got.Status.Artifact.Digest).To(Equal(before.Digest), "same content, same digest")
		g.Expect(download(t, got.Status.Artifact)).To(HaveKeyWithValue("a.yaml", "2"))
	})
}
