package gitrepository

import (
	"testing"
	"time"

	"github.com/fluxcd/pkg/runtime/conditions"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"

	sourcev1 "github.com/eddy-gitops/eddy/api/source/v1"
	"github.com/eddy-gitops/eddy/source-controller/internal/git/gittest"
)

// TestGitRepository_newRevisionOneStatusWrite: a new commit that is fetched and stored within a
// second is reported with one status write, the outcome, as kustomize-controller reports a quick
// reconcile; the watch sees the request and that write, nothing in between.
func TestGitRepository_newRevisionOneStatusWrite(t *testing.T) {
	g := NewWithT(t)
	srv := gittest.NewServer(t, "", "")
	r := gittest.InitRepo(t, srv.Root(), "app.git", "main")
	r.Commit(map[string]string{"a.yaml": "1"}, "one")
	ns := env.CreateNamespace(t, "git-writes")
	obj := newGitRepository(ns, "app", srv.RepoURL("app.git"), func(s *sourcev1.GitRepositorySpec) {
		s.Reference = &sourcev1.GitRepositoryRef{Branch: "main"}
	})
	env.CreateAndWait(t, obj)
	ready := waitReady(t, obj)

	wc, err := client.NewWithWatch(env.Config, client.Options{Scheme: env.Scheme})
	g.Expect(err).NotTo(HaveOccurred())
	w, err := wc.Watch(t.Context(), &sourcev1.GitRepositoryList{}, client.InNamespace(ns),
		&client.ListOptions{FieldSelector: fields.OneTermEqualSelector("metadata.name", "app"),
			Raw: &metav1.ListOptions{ResourceVersion: ready.ResourceVersion}})
	g.Expect(err).NotTo(HaveOccurred())
	defer w.Stop()

	sha := r.Commit(map[string]string{"a.yaml": "2"}, "two")
	token := requestReconcile(t, obj)
	got := waitHandled(t, obj, token)
	g.Expect(conditions.IsReady(got)).To(BeTrue())
	g.Expect(got.Status.Artifact.Revision).To(Equal("main@sha1:" + sha))

	var writes []*sourcev1.GitRepository
	g.Eventually(func() string {
		for {
			select {
			case ev := <-w.ResultChan():
				if ev.Type == watch.Modified {
					writes = append(writes, ev.Object.(*sourcev1.GitRepository))
				}
				continue
			default:
			}
			if n := len(writes); n > 0 {
				return writes[n-1].ResourceVersion
			}
			return ""
		}
	}, timeout, 50*time.Millisecond).Should(Equal(got.ResourceVersion))
	g.Expect(writes).To(HaveLen(2), "the request, then the outcome")
	g.Expect(conditions.Has(writes[1], sourcev1.ArtifactOutdatedCondition)).To(BeFalse())
}
