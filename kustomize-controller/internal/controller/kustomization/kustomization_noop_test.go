package kustomization

import (
	"testing"
	"time"

	. "github.com/onsi/gomega"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// TestNoop_SteadyStateWritesNoStatus: once a Kustomization is applied, reconciling it again
// without any change leaves the object untouched (no progress patches, no history update) and
// downloads nothing.
func TestNoop_SteadyStateWritesNoStatus(t *testing.T) {
	g := NewWithT(t)
	ns := env.CreateNamespace(t, "noop")
	repo := createSource(t, ns, "repo", map[string]string{"a.yaml": configMap(ns, "a", map[string]string{"k": "v"}, nil)})
	ks := newKustomization(ns, "noop", "repo", "./")
	ks.Spec.Wait = true
	env.CreateAndWait(t, ks)
	key := client.ObjectKeyFromObject(ks)
	before := waitApplied(t, key, revisionOf(t, repo))
	extractions := cache.Extractions()

	for range 3 {
		res, err := reconciler.Reconcile(t.Context(), ctrl.Request{NamespacedName: key})
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(res.RequeueAfter).To(BeNumerically(">", 30*time.Minute), "requeued at the interval")
	}
	after := getKs(g, t.Context(), key)
	g.Expect(after.ResourceVersion).To(Equal(before.ResourceVersion), "a steady-state reconcile must not write the object")
	g.Expect(cache.Extractions()).To(Equal(extractions))
	g.Expect(getCM(g, t.Context(), ns, "a").Data).To(HaveKeyWithValue("k", "v"))
}
