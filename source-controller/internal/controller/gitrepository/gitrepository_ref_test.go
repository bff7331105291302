package gitrepository

import (
	"fmt"
	"strings"
	"testing"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"

	sourcev1 "github.com/eddy-gitops/eddy/api/source/v1"
	"github.com/eddy-gitops/eddy/source-controller/internal/git/gittest"
)

// refFixture is a repository with branches, tags and a pull-request ref.
type refFixture struct {
	srv                                   *gittest.Server
	url                                   string
	first, release, second, feature, pull string
}

func newRefFixture(t *testing.T) refFixture {
	srv := gittest.NewServer(t, "", "")
	r := gittest.InitRepo(t, srv.Root(), "app.git", "master")
	f := refFixture{srv: srv, url: srv.RepoURL("app.git")}
	f.first = r.Commit(map[string]string{"README.md": "one", "deploy/app.yaml": "kind: A\n"}, "first commit")
	r.Tag("v1.0.0", "", nil)
	f.release = r.Commit(map[string]string{"README.md": "two"}, "release 1.1")
	r.Tag("v1.1.0", "annotated v1.1.0", nil)
	f.second = r.Commit(map[string]string{"README.md": "three"}, "second commit on master\n\nwith a body")
	r.Branch("feature")
	f.feature = r.Commit(map[string]string{"feature.txt": "f"}, "feature work")
	r.Switch("master")
	f.pull = f.feature
	r.SetRef("refs/pull/1/head", f.feature)
	return f
}

func TestGitRepository_refs(t *testing.T) {
	f := newRefFixture(t)
	ns := env.CreateNamespace(t, "git-ref")
	tests := []struct {
		name         string
		ref          *sourcev1.GitRepositoryRef
		wantRevision string
		wantReadme   string
		wantMessage  string
	}{
		{name: "default", wantRevision: "master@sha1:" + f.second, wantReadme: "three", wantMessage: "second commit on master"},
		{name: "branch", ref: &sourcev1.GitRepositoryRef{Branch: "feature"}, wantRevision: "feature@sha1:" + f.feature, wantReadme: "three", wantMessage: "feature work"},
		{name: "tag", ref: &sourcev1.GitRepositoryRef{Tag: "v1.0.0"}, wantRevision: "v1.0.0@sha1:" + f.first, wantReadme: "one"},
		{name: "annotated-tag", ref: &sourcev1.GitRepositoryRef{Tag: "v1.1.0"}, wantRevision: "v1.1.0@sha1:" + f.release, wantReadme: "two"},
		{name: "semver", ref: &sourcev1.GitRepositoryRef{SemVer: "~1.0.0", Tag: "v1.1.0"}, wantRevision: "v1.0.0@sha1:" + f.first, wantReadme: "one"},
		{name: "name", ref: &sourcev1.GitRepositoryRef{Name: "refs/pull/1/head", Branch: "master"}, wantRevision: "refs/pull/1/head@sha1:" + f.pull, wantReadme: "three"},
		{name: "commit", ref: &sourcev1.GitRepositoryRef{Commit: f.release}, wantRevision: "sha1:" + f.release, wantReadme: "two"},
		{name: "commit-on-branch", ref: &sourcev1.GitRepositoryRef{Commit: f.first, Branch: "master"}, wantRevision: "master@sha1:" + f.first, wantReadme: "one"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g := NewWithT(t)
			obj := newGitRepository(ns, tt.name, f.url, func(s *sourcev1.GitRepositorySpec) { s.Reference = tt.ref })
			env.CreateAndWait(t, obj)
			got := waitReady(t, obj)

			a := got.Status.Artifact
			g.Expect(a).NotTo(BeNil())
			g.Expect(a.Revision).To(Equal(tt.wantRevision))
			sha := tt.wantRevision[strings.LastIndex(tt.wantRevision, ":")+1:]
			g.Expect(a.Path).To(Equal(fmt.Sprintf("gitrepository/%s/%s/%s.tar.gz", ns, tt.name, sha)))
			g.Expect(a.URL).To(Equal(fileServer.URL + "/" + a.Path))
			g.Expect(a.Digest).To(HavePrefix("sha256:"))
			g.Expect(a.LastUpdateTime.IsZero()).To(BeFalse())
			g.Expect(download(t, a)).To(HaveKeyWithValue("README.md", tt.wantReadme))

			g.Expect(conditions.GetMessage(got, meta.ReadyCondition)).To(Equal("stored artifact for revision '" + tt.wantRevision + "'"))
			g.Expect(conditions.IsTrue(got, sourcev1.ArtifactInStorageCondition)).To(BeTrue())
			g.Expect(conditions.Has(got, meta.ReconcilingCondition)).To(BeFalse())
			g.Expect(conditions.Has(got, meta.StalledCondition)).To(BeFalse())
			g.Expect(conditions.Has(got, sourcev1.ArtifactOutdatedCondition)).To(BeFalse())
			g.Expect(got.Finalizers).To(ContainElement(sourcev1.SourceFinalizer))

			ev := waitEvent(t, obj, corev1.EventTypeNormal, sourcev1.NewArtifactReason)
			if tt.wantMessage != "" {
				g.Expect(ev.Message).To(Equal("stored artifact for commit '" + tt.wantMessage + "'"))
			}
			g.Expect(ev.Annotations).To(HaveKeyWithValue(sourcev1.RevisionEventMetadataKey, tt.wantRevision))
			g.Expect(ev.Annotations).To(HaveKeyWithValue(sourcev1.DigestEventMetadataKey, a.Digest))
		})
	}
}

func TestGitRepository_refChangeAndLatestLink(t *testing.T) {
	g := NewWithT(t)
	f := newRefFixture(t)
	ns := env.CreateNamespace(t, "git-refchange")
	obj := newGitRepository(ns, "app", f.url)
	env.CreateAndWait(t, obj)
	first := waitReady(t, obj).Status.Artifact

	updateSpec(t, obj, func(s *sourcev1.GitRepositorySpec) { s.Reference = &sourcev1.GitRepositoryRef{Tag: "v1.0.0"} })
	got := waitReady(t, obj)
	g.Expect(got.Status.Artifact.Revision).To(Equal("v1.0.0@sha1:" + f.first))
	g.Expect(got.Status.Artifact.Path).NotTo(Equal(first.Path))

	latest := *got.Status.Artifact
	latest.URL = fileServer.URL + "/gitrepository/" + ns + "/app/latest.tar.gz"
	g.Expect(download(t, &latest)).To(HaveKeyWithValue("README.md", "one"))
}
