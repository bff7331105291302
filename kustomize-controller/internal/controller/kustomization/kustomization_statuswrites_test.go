package kustomization

import (
	"testing"
	"time"

	"github.com/fluxcd/pkg/runtime/conditions"
	. "github.com/onsi/gomega"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kustomizev1 "github.com/eddy-gitops/eddy/api/kustomize/v1"
)

// TestStatusWrites_FirstApply counts the status writes of a Kustomization's first apply, from
// creation to Ready (issue 7: at most 3 with wait: true). Each write carries the conditions and
// the other status fields together (pkg/reconcile.Patcher); the finalizer is one metadata write.
// A reconcile that ends within ProgressAfter writes no progress ahead of its outcome.
func TestStatusWrites_FirstApply(t *testing.T) {
	// readyWhenAnnotated keeps the ConfigMap in progress until the test annotates it, so that
	// the first reconcile ends in the pending health wait.
	readyWhenAnnotated := []kustomizev1.CustomHealthCheck{{APIVersion: "v1", Kind: "ConfigMap",
		HealthCheckExpressions: kustomizev1.HealthCheckExpressions{
			Current: "has(metadata.annotations) && has(metadata.annotations.ready)"}}}
	tests := []struct {
		name    string
		spec    func(ks *kustomizev1.Kustomization)
		pending bool // the first reconcile waits for health; the test then makes the object healthy
		slow    bool // the reconcile counts as slow (ProgressAfter < 0): progress is written first
		want    map[string]int
	}{
		{
			name: "without wait: the outcome only",
			spec: func(*kustomizev1.Kustomization) {},
			want: map[string]int{"PATCH status": 1, "PATCH other": 1},
		},
		{
			name: "wait: true, healthy at once: the outcome only",
			spec: func(ks *kustomizev1.Kustomization) { ks.Spec.Wait = true },
			want: map[string]int{"PATCH status": 1, "PATCH other": 1},
		},
		{
			name: "wait: true, health pending: pending and outcome",
			spec: func(ks *kustomizev1.Kustomization) {
				ks.Spec.Wait = true
				ks.Spec.HealthCheckExprs = readyWhenAnnotated
			},
			pending: true,
			want:    map[string]int{"PATCH status": 2, "PATCH other": 1},
		},
		{
			name: "slow, without wait: progress and outcome",
			spec: func(*kustomizev1.Kustomization) {},
			slow: true,
			want: map[string]int{"PATCH status": 2, "PATCH other": 1},
		},
		{
			name: "slow, wait: true, health pending: progress, pending and outcome",
			spec: func(ks *kustomizev1.Kustomization) {
				ks.Spec.Wait = true
				ks.Spec.HealthCheckExprs = readyWhenAnnotated
			},
			pending: true,
			slow:    true,
			want:    map[string]int{"PATCH status": 3, "PATCH other": 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			ns := env.CreateNamespace(t, "writes")
			repo := createSource(t, ns, "repo", map[string]string{"a.yaml": configMap(ns, "a", map[string]string{"k": "v"}, nil)})
			ks := newKustomization(ns, "writes", "repo", "./")
			ks.Labels = map[string]string{manualLabel: "true"}
			tt.spec(ks)
			env.CreateAndWait(t, ks)
			key := client.ObjectKeyFromObject(ks)
			if tt.slow {
				manual.ProgressAfter = -1
				t.Cleanup(func() { manual.ProgressAfter = 0 })
			}
			statusRequests.reset()

			_, err := manual.Reconcile(t.Context(), ctrl.Request{NamespacedName: key})
			g.Expect(err).NotTo(HaveOccurred())
			if tt.pending {
				got := getKs(g, t.Context(), key)
				g.Expect(conditions.IsUnknown(got, "Ready")).To(BeTrue(), "waiting for health: %v", got.Status.Conditions)
				g.Expect(got.Status.Inventory).NotTo(BeNil(), "the inventory comes with the pending status")
				cm := getCM(g, t.Context(), ns, "a")
				patch := client.MergeFrom(cm.DeepCopy())
				cm.Annotations = map[string]string{"ready": "yes"}
				g.Expect(env.Client.Patch(t.Context(), cm, patch)).To(Succeed())
				// Reconciles while the watch has not yet seen the change find the same pending
				// state, which costs no write.
				g.Eventually(func(g Gomega) {
					_, err := manual.Reconcile(t.Context(), ctrl.Request{NamespacedName: key})
					g.Expect(err).NotTo(HaveOccurred())
					g.Expect(conditions.IsReady(getKs(g, t.Context(), key))).To(BeTrue())
				}, 30*time.Second, 100*time.Millisecond).Should(Succeed())
			}

			got := getKs(g, t.Context(), key)
			g.Expect(conditions.IsReady(got)).To(BeTrue(), "%v", got.Status.Conditions)
			g.Expect(got.Status.LastAppliedRevision).To(Equal(revisionOf(t, repo)))
			g.Expect(got.Status.ObservedGeneration).To(Equal(got.Generation))
			writes := map[string]int{}
			for k, n := range statusRequests.reset() {
				if k == "PATCH status" || k == "PATCH other" {
					writes[k] = n
				}
			}
			g.Expect(writes).To(Equal(tt.want))
		})
	}
}
