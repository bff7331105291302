package gitrepository

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"

	sourcev1 "github.com/eddy-gitops/eddy/api/source/v1"
	"github.com/eddy-gitops/eddy/source-controller/internal/git/gittest"
)

// TestGitRepository_storageFailure: when the new artifact cannot be written, the object reports
// the storage failure precisely and keeps serving the previous artifact, in status and on disk;
// once storage works again the new revision is stored. The failures are made with a directory
// in the way of a file the storage must create, which holds even for root (unlike permissions).
func TestGitRepository_storageFailure(t *testing.T) {
	tests := []struct {
		name string
		// blocker returns the path the test occupies with a non-empty directory, given the
		// path the new artifact will have.
		blocker    func(newArtifact string) string
		wantReason string
		wantInMsg  string
	}{
		{
			name:       "archive",
			blocker:    func(p string) string { return p },
			wantReason: sourcev1.ArchiveOperationFailedReason,
			wantInMsg:  "unable to archive artifact to storage",
		},
		{
			name:       "lock",
			blocker:    func(p string) string { return p + ".lock" },
			wantReason: sourcev1.AcquireLockFailedReason,
			wantInMsg:  "failed to acquire lock for artifact",
		},
	}
	srv := gittest.NewServer(t, "", "")
	ns := env.CreateNamespace(t, "git-storage")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			repo := gittest.InitRepo(t, srv.Root(), tt.name+".git", "master")
			repo.Commit(map[string]string{"a.yaml": "1"}, "one")
			obj := newGitRepository(ns, tt.name, srv.RepoURL(tt.name+".git"))
			env.CreateAndWait(t, obj)
			before := waitReady(t, obj).Status.Artifact

			sha := repo.Commit(map[string]string{"a.yaml": "2"}, "two")
			newPath := filepath.Join(filepath.Dir(artifactStorage.LocalPath(*before)), sha+".tar.gz")
			blocker := tt.blocker(newPath)
			g.Expect(os.MkdirAll(filepath.Join(blocker, "in-the-way"), 0o700)).To(Succeed())

			requestReconcile(t, obj)
			got := waitNotReady(t, obj, tt.wantReason)
			g.Expect(conditions.IsTrue(got, sourcev1.StorageOperationFailedCondition)).To(BeTrue())
			g.Expect(conditions.GetReason(got, sourcev1.StorageOperationFailedCondition)).To(Equal(tt.wantReason))
			msg := conditions.GetMessage(got, meta.ReadyCondition)
			g.Expect(msg).To(ContainSubstring(tt.wantInMsg))
			g.Expect(conditions.IsTrue(got, meta.ReconcilingCondition)).To(BeTrue(), "retried with backoff")
			g.Expect(conditions.Has(got, meta.StalledCondition)).To(BeFalse())
			ev := waitEvent(t, obj, corev1.EventTypeWarning, tt.wantReason)
			g.Expect(ev.Message).To(ContainSubstring(tt.wantInMsg))

			// Nothing lost: the previous artifact is still in status, on disk and served.
			g.Expect(got.Status.Artifact).To(Equal(before))
			g.Expect(conditions.IsTrue(got, sourcev1.ArtifactInStorageCondition)).To(BeTrue())
			g.Expect(artifactStorage.ArtifactExist(*before)).To(BeTrue())
			g.Expect(download(t, got.Status.Artifact)).To(HaveKeyWithValue("a.yaml", "1"))

			g.Expect(os.RemoveAll(blocker)).To(Succeed())
			requestReconcile(t, obj)
			g.Eventually(func(g Gomega) {
				got = get(g, obj)
				g.Expect(conditions.IsReady(got)).To(BeTrue())
				g.Expect(got.Status.Artifact.Revision).To(Equal("master@sha1:" + sha))
			}, timeout, 100*time.Millisecond).Should(Succeed())
			g.Expect(conditions.Has(got, sourcev1.StorageOperationFailedCondition)).To(BeFalse())
			g.Expect(download(t, got.Status.Artifact)).To(HaveKeyWithValue("a.yaml", "2"))
			g.Expect(strings.HasSuffix(got.Status.Artifact.Path, sha+".tar.gz")).To(BeTrue())
		})
	}
}
