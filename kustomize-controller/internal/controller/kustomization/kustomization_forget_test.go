package kustomization

import (
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kustomizev1 "github.com/eddy-gitops/eddy/api/kustomize/v1"
)

// remembers reports whether r holds any per-Kustomization state for owner, whatever its UID.
func remembers(r *Reconciler, owner types.NamespacedName) bool {
	r.builds.mu.Lock()
	_, build := r.builds.m[owner.Namespace+"/"+owner.Name]
	r.builds.mu.Unlock()
	r.ledger.mu.Lock()
	_, ledger := r.ledger.m[owner]
	r.ledger.mu.Unlock()
	r.healthWaits.mu.Lock()
	_, wait := r.healthWaits.m[owner]
	r.healthWaits.mu.Unlock()
	return build || ledger || wait || r.Watch.Tracks(owner)
}

// TestNotFound_ForgetsOwnerState: a reconcile that finds its Kustomization gone drops every
// piece of state kept for it, whatever UID it was kept under. An applied object deleted after its
// Kustomization still marks the owner on the shared watch; that reconcile is what clears it.
func TestNotFound_ForgetsOwnerState(t *testing.T) {
	g := NewWithT(t)
	ns := env.CreateNamespace(t, "forget")
	owner := types.NamespacedName{Namespace: ns, Name: "gone"}
	other := types.NamespacedName{Namespace: ns, Name: "gone-too"} // shares the name prefix
	for _, o := range []types.NamespacedName{owner, other} {
		ks := &kustomizev1.Kustomization{ObjectMeta: metav1.ObjectMeta{Namespace: o.Namespace, Name: o.Name, UID: "some-uid"}}
		reconciler.ledger.put(ks, &applied{hashes: map[string]string{"id": "h"}})
		reconciler.healthWaits.put(ks, &healthWait{since: time.Now(), current: map[string]bool{}})
		reconciler.builds.mu.Lock()
		if reconciler.builds.m == nil {
			reconciler.builds.m = map[string]cachedBuild{}
		}
		reconciler.builds.m[o.Namespace+"/"+o.Name] = cachedBuild{fingerprint: "f"}
		reconciler.builds.mu.Unlock()
		reconciler.Watch.RestoreDrift(o, map[string]bool{ns + "_cm_ConfigMap": true})
		g.Expect(remembers(reconciler, o)).To(BeTrue())
	}
	t.Cleanup(func() { reconciler.forgetOwner(other) })

	_, err := reconciler.Reconcile(t.Context(), ctrl.Request{NamespacedName: owner})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(remembers(reconciler, owner)).To(BeFalse(), "state of the missing Kustomization is dropped")
	g.Expect(remembers(reconciler, other)).To(BeTrue(), "another Kustomization's state is kept")
}

// TestDeletion_ForgetsOwnerState deletes a Kustomization that orphans its objects, then one of
// those objects: once the controller has run, nothing of the Kustomization stays in memory.
func TestDeletion_ForgetsOwnerState(t *testing.T) {
	g := NewWithT(t)
	ns := env.CreateNamespace(t, "forget")
	repo := createSource(t, ns, "repo", map[string]string{"a.yaml": configMap(ns, "a", nil, nil)})
	ks := newKustomization(ns, "orphaning", "repo", "./")
	ks.Spec.Prune = false
	env.CreateAndWait(t, ks)
	key := client.ObjectKeyFromObject(ks)
	waitApplied(t, key, revisionOf(t, repo))
	g.Expect(remembers(reconciler, key)).To(BeTrue(), "an applied Kustomization is remembered")

	g.Expect(env.Client.Delete(t.Context(), ks)).To(Succeed())
	g.Eventually(func() bool {
		return apierrors.IsNotFound(env.Client.Get(t.Context(), key, &kustomizev1.Kustomization{}))
	}, 30*time.Second, 100*time.Millisecond).Should(BeTrue())
	g.Eventually(func() bool { return remembers(reconciler, key) }, 10*time.Second, 50*time.Millisecond).Should(BeFalse())

	// The orphaned object still carries the owner labels: its deletion reaches the watch.
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "a"}}
	g.Expect(env.Client.Delete(t.Context(), cm)).To(Succeed())
	g.Eventually(func() bool { return remembers(reconciler, key) }, 10*time.Second, 50*time.Millisecond).Should(BeFalse())
}
