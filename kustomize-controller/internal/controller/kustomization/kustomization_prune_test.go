package kustomization

import (
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kustomizev1 "github.com/eddy-gitops/eddy/api/kustomize/v1"
)

func TestPrune(t *testing.T) {
	tests := []struct {
		name  string
		prune bool
		// annotations of the object that leaves the set
		annotations map[string]string
		wantGone    bool
	}{
		{name: "removed object is deleted", prune: true, wantGone: true},
		{name: "prune: disabled keeps it", prune: true, annotations: map[string]string{kustomizev1.PruneAnnotation: kustomizev1.DisabledValue}},
		{name: "spec.prune false keeps it", prune: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			ns := env.CreateNamespace(t, "prune")
			repo := createSource(t, ns, "repo", map[string]string{
				"keep.yaml": configMap(ns, "keep", nil, nil),
				"old.yaml":  configMap(ns, "old", nil, tt.annotations),
			})
			ks := newKustomization(ns, "prune", "repo", "./")
			ks.Spec.Prune = tt.prune
			env.CreateAndWait(t, ks)
			key := client.ObjectKeyFromObject(ks)
			waitApplied(t, key, revisionOf(t, repo))

			art := artifacts.publish(t, map[string]string{"keep.yaml": configMap(ns, "keep", nil, nil)})
			setArtifact(t, repo, art)
			got := waitApplied(t, key, art.Revision)
			g.Expect(got.Status.Inventory.Entries).To(ConsistOf(kustomizev1.ResourceRef{ID: ns + "_keep__ConfigMap", Version: "v1"}))
			if tt.wantGone {
				g.Eventually(func(g Gomega) { g.Expect(getCM(g, t.Context(), ns, "old")).To(BeNil()) }, 10*time.Second).Should(Succeed())
				g.Eventually(func() int { return len(sink.find(ns, "prune", "ConfigMap/"+ns+"/old deleted")) }, 10*time.Second).Should(BeNumerically(">", 0))
			} else {
				g.Expect(getCM(g, t.Context(), ns, "old")).NotTo(BeNil())
			}
		})
	}
}

// TestPrune_OnlyWhatTheInventoryLists: objects carrying the owner labels but never applied by
// this Kustomization (not in its inventory) survive a prune, and a failed build prunes nothing.
func TestPrune_OnlyWhatTheInventoryLists(t *testing.T) {
	g := NewWithT(t)
	ns := env.CreateNamespace(t, "prune-inv")
	repo := createSource(t, ns, "repo", map[string]string{"a.yaml": configMap(ns, "a", nil, nil)})
	ks := newKustomization(ns, "owner", "repo", "./")
	env.CreateAndWait(t, ks)
	key := client.ObjectKeyFromObject(ks)
	waitApplied(t, key, revisionOf(t, repo))

	stranger := &corev1.ConfigMap{}
	stranger.Namespace, stranger.Name = ns, "stranger"
	stranger.Labels = map[string]string{kustomizev1.NameLabel: "owner", kustomizev1.NamespaceLabel: ns}
	g.Expect(env.Client.Create(t.Context(), stranger)).To(Succeed())

	// A broken revision: nothing may be pruned, although "a" is not in it.
	broken := artifacts.publish(t, map[string]string{"kustomization.yaml": "resources: [missing.yaml]\n"})
	setArtifact(t, repo, broken)
	waitNotReady(t, key, kustomizev1.BuildFailedReason)
	g.Expect(getCM(g, t.Context(), ns, "a")).NotTo(BeNil(), "a failed build must not prune")

	art := artifacts.publish(t, map[string]string{"b.yaml": configMap(ns, "b", nil, nil)})
	setArtifact(t, repo, art)
	waitApplied(t, key, art.Revision)
	g.Eventually(func(g Gomega) { g.Expect(getCM(g, t.Context(), ns, "a")).To(BeNil()) }, 10*time.Second).Should(Succeed())
	g.Expect(getCM(g, t.Context(), ns, "stranger")).NotTo(BeNil(), "objects outside the inventory are never pruned")
}
