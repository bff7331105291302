package kustomization

import (
	"testing"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kustomizev1 "github.com/eddy-gitops/eddy/api/kustomize/v1"
	sourcev1 "github.com/eddy-gitops/eddy/api/source/v1"
)

// TestOCIRepositorySource applies an OCIRepository artifact and records its origin revision
// (org.opencontainers.image.revision) in status and event metadata.
func TestOCIRepositorySource(t *testing.T) {
	g := NewWithT(t)
	ns := env.CreateNamespace(t, "oci")
	repo := &sourcev1.OCIRepository{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "manifests"},
		Spec:       sourcev1.OCIRepositorySpec{URL: "oci://registry.example.com/manifests", Interval: metav1.Duration{Duration: time.Hour}},
	}
	env.CreateAndWait(t, repo)
	art := artifacts.publish(t, map[string]string{"a.yaml": configMap(ns, "a", nil, nil)})
	art.Revision = "latest@sha256:" + art.Digest[len("sha256:"):]
	art.Metadata = map[string]string{originRevisionKey: "main@sha1:0123456789abcdef0123456789abcdef01234567"}
	g.Eventually(func() error {
		if err := env.Client.Get(t.Context(), client.ObjectKeyFromObject(repo), repo); err != nil {
			return err
		}
		repo.Status.Artifact = art
		conditions.MarkTrue(repo, meta.ReadyCondition, meta.SucceededReason, "stored")
		return env.Client.Status().Update(t.Context(), repo)
	}, 10*time.Second).Should(Succeed())

	ks := newKustomization(ns, "oci", "manifests", "./")
	ks.Spec.SourceRef.Kind = sourcev1.OCIRepositoryKind
	env.CreateAndWait(t, ks)
	got := waitApplied(t, client.ObjectKeyFromObject(ks), art.Revision)
	g.Expect(got.Status.LastAppliedOriginRevision).To(Equal(art.Metadata[originRevisionKey]))
	g.Expect(got.Status.History[0].Metadata).To(HaveKeyWithValue("originRevision", art.Metadata[originRevisionKey]))
	g.Expect(getCM(g, t.Context(), ns, "a")).NotTo(BeNil())
	g.Eventually(func() bool {
		for _, e := range sink.find(ns, "oci", "Reconciliation finished") {
			if e.Metadata[kustomizev1.OriginRevisionEventMetadataKey] == art.Metadata[originRevisionKey] {
				return true
			}
		}
		return false
	}, 10*time.Second).Should(BeTrue())
}
