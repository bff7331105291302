package gitrepository

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	sourcev1 "github.com/eddy-gitops/eddy/api/source/v1"
	"github.com/eddy-gitops/eddy/source-controller/internal/git/gittest"
)

func TestGitRepository_failures(t *testing.T) {
	srv := gittest.NewServer(t, "", "")
	gittest.InitRepo(t, srv.Root(), "app.git", "master").Commit(map[string]string{"a": "a"}, "a")
	gittest.InitRepo(t, srv.Root(), "empty.git", "master")
	ns := env.CreateNamespace(t, "git-fail")

	tests := []struct {
		name        string
		url         string
		mutate      func(*sourcev1.GitRepositorySpec)
		wantReason  string
		wantStalled bool
		wantMessage string
	}{
		{name: "unreachable-host", url: "http://" + gittest.ClosedPort(t) + "/app.git",
			wantReason: sourcev1.GitOperationFailedReason, wantMessage: "connection refused"},
		{name: "missing-branch", url: srv.RepoURL("app.git"),
			mutate:     func(s *sourcev1.GitRepositorySpec) { s.Reference = &sourcev1.GitRepositoryRef{Branch: "nope"} },
			wantReason: sourcev1.GitOperationFailedReason, wantMessage: `couldn't find remote ref "refs/heads/nope"`},
		{name: "missing-tag", url: srv.RepoURL("app.git"),
			mutate:     func(s *sourcev1.GitRepositorySpec) { s.Reference = &sourcev1.GitRepositoryRef{Tag: "v9"} },
			wantReason: sourcev1.GitOperationFailedReason, wantMessage: "v9"},
		{name: "no-semver-match", url: srv.RepoURL("app.git"),
			mutate:     func(s *sourcev1.GitRepositorySpec) { s.Reference = &sourcev1.GitRepositoryRef{SemVer: ">=1.0.0"} },
			wantReason: sourcev1.GitOperationFailedReason, wantMessage: "no match found for semver: >=1.0.0"},
		{name: "invalid-semver", url: srv.RepoURL("app.git"),
			mutate:     func(s *sourcev1.GitRepositorySpec) { s.Reference = &sourcev1.GitRepositoryRef{SemVer: "x.y.z.w"} },
			wantReason: sourcev1.URLInvalidReason, wantStalled: true, wantMessage: "semver"},
		{name: "empty-repository", url: srv.RepoURL("empty.git"),
			wantReason: sourcev1.EmptyGitRepositoryReason, wantMessage: "git repository is empty"},
		{name: "url-without-host", url: "https:///app.git",
			wantReason: sourcev1.URLInvalidReason, wantStalled: true, wantMessage: "invalid URL: no host"},
		{name: "unsupported-provider", url: srv.RepoURL("app.git"),
			mutate:     func(s *sourcev1.GitRepositorySpec) { s.Provider = sourcev1.GitProviderAzure },
			wantReason: sourcev1.InvalidProviderConfigurationReason, wantStalled: true, wantMessage: "provider 'azure' is not supported yet"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g := NewWithT(t)
			obj := newGitRepository(ns, tt.name, tt.url)
			if tt.mutate != nil {
				tt.mutate(&obj.Spec)
			}
			env.CreateAndWait(t, obj)
			got := waitNotReady(t, obj, tt.wantReason)
			g.Expect(conditions.GetMessage(got, meta.ReadyCondition)).To(ContainSubstring(tt.wantMessage))
			g.Expect(conditions.IsTrue(got, sourcev1.FetchFailedCondition)).To(BeTrue())
			g.Expect(conditions.IsStalled(got)).To(Equal(tt.wantStalled))
			g.Expect(conditions.IsReconciling(got)).To(Equal(!tt.wantStalled))
			if tt.wantStalled {
				// Stalled is final for this generation.
				g.Eventually(func(g Gomega) {
					cur := get(g, obj)
					g.Expect(cur.Status.ObservedGeneration).To(Equal(cur.Generation))
				}, timeout).Should(Succeed())
			}
			g.Expect(got.Status.Artifact).To(BeNil())
			ev := waitEvent(t, obj, corev1.EventTypeWarning, tt.wantReason)
			g.Expect(ev.Message).To(ContainSubstring(tt.wantMessage))
		})
	}
}

// A failure after success keeps the last good artifact in status and in storage, and a fix
// recovers with a Succeeded event.
func TestGitRepository_failureKeepsLastArtifact(t *testing.T) {
	g := NewWithT(t)
	srv := gittest.NewServer(t, "", "")
	gittest.InitRepo(t, srv.Root(), "app.git", "master").Commit(map[string]string{"a": "a"}, "a")
	ns := env.CreateNamespace(t, "git-keep")
	obj := newGitRepository(ns, "app", srv.RepoURL("app.git"))
	env.CreateAndWait(t, obj)
	good := waitReady(t, obj).Status.Artifact

	updateSpec(t, obj, func(s *sourcev1.GitRepositorySpec) { s.Reference = &sourcev1.GitRepositoryRef{Branch: "gone"} })
	got := waitNotReady(t, obj, sourcev1.GitOperationFailedReason)
	g.Expect(got.Status.Artifact).To(Equal(good))
	g.Expect(conditions.IsTrue(got, sourcev1.ArtifactInStorageCondition)).To(BeTrue())
	g.Expect(download(t, got.Status.Artifact)).To(HaveKeyWithValue("a", "a"))

	updateSpec(t, obj, func(s *sourcev1.GitRepositorySpec) { s.Reference = &sourcev1.GitRepositoryRef{Branch: "master"} })
	got = waitReady(t, obj)
	g.Expect(got.Status.Artifact.Revision).To(Equal(good.Revision))
	g.Expect(conditions.Has(got, sourcev1.FetchFailedCondition)).To(BeFalse())
	ev := waitEvent(t, obj, corev1.EventTypeNormal, meta.SucceededReason)
	g.Expect(ev.Annotations).To(HaveKeyWithValue(sourcev1.RevisionEventMetadataKey, good.Revision))
}

func TestGitRepository_suspendAndDelete(t *testing.T) {
	g := NewWithT(t)
	srv := gittest.NewServer(t, "", "")
	r := gittest.InitRepo(t, srv.Root(), "app.git", "master")
	r.Commit(map[string]string{"a": "a"}, "a")
	ns := env.CreateNamespace(t, "git-suspend")
	obj := newGitRepository(ns, "app", srv.RepoURL("app.git"))
	env.CreateAndWait(t, obj)
	good := waitReady(t, obj).Status.Artifact

	// Suspended: requests are acknowledged, nothing is fetched.
	updateSpec(t, obj, func(s *sourcev1.GitRepositorySpec) { s.Suspend = true })
	r.Commit(map[string]string{"a": "b"}, "b")
	srv.ResetCounters()
	token := requestReconcile(t, obj)
	got := waitHandled(t, obj, token)
	g.Expect(got.Status.Artifact).To(Equal(good))
	g.Expect(srv.Advertisements.Load()).To(BeZero())

	// Deleting removes every artifact file, then the object.
	dir := filepath.Dir(artifactStorage.LocalPath(*good))
	g.Expect(dir).To(BeADirectory())
	g.Expect(env.Client.Delete(t.Context(), obj)).To(Succeed())
	g.Eventually(func() bool {
		err := env.Client.Get(t.Context(), client.ObjectKeyFromObject(obj), &sourcev1.GitRepository{})
		return apierrors.IsNotFound(err)
	}, timeout).Should(BeTrue())
	_, err := os.Stat(dir)
	g.Expect(os.IsNotExist(err)).To(BeTrue(), "artifact directory removed")
}
