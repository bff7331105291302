package kustomization

import (
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kustomizev1 "github.com/eddy-gitops/eddy/api/kustomize/v1"
)

// TestSSAPolicy: fields added with kubectl are taken over and removed by default (Override),
// and kept with kustomize.toolkit.fluxcd.io/ssa: Merge. Each kubectl command writes as a field
// manager of its own (kubectl edit as kubectl-edit, kubectl patch as kubectl-patch, a
// client-side kubectl apply as kubectl-client-side-apply, a server-side one as kubectl); all
// of them are kubectl's.
func TestSSAPolicy(t *testing.T) {
	tests := []struct {
		name     string
		manager  string
		policy   map[string]string
		wantKept bool
	}{
		{name: "Override reverts kubectl changes", manager: "kubectl"},
		{name: "Override reverts kubectl edit", manager: "kubectl-edit"},
		{name: "Override reverts a client-side kubectl apply", manager: "kubectl-client-side-apply"},
		{name: "Merge keeps them", manager: "kubectl", policy: map[string]string{kustomizev1.SSAAnnotation: kustomizev1.MergeValue}, wantKept: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			ns := env.CreateNamespace(t, "ssa")
			repo := createSource(t, ns, "repo", map[string]string{"cm.yaml": configMap(ns, "cm", map[string]string{"from": "git"}, tt.policy)})
			ks := newKustomization(ns, "ssa", "repo", "./")
			env.CreateAndWait(t, ks)
			key := client.ObjectKeyFromObject(ks)
			waitApplied(t, key, revisionOf(t, repo))

			cm := getCM(g, t.Context(), ns, "cm")
			cm.Data["added"] = "by-kubectl"
			g.Expect(env.Client.Update(t.Context(), cm, client.FieldOwner(tt.manager))).To(Succeed())
			token := requestReconcile(t, key)
			g.Eventually(func(g Gomega) {
				g.Expect(getKs(g, t.Context(), key).Status.LastHandledReconcileAt).To(Equal(token))
			}, 30*time.Second).Should(Succeed())
			g.Eventually(func(g Gomega) {
				data := getCM(g, t.Context(), ns, "cm").Data
				g.Expect(data).To(HaveKeyWithValue("from", "git"))
				if tt.wantKept {
					g.Expect(data).To(HaveKeyWithValue("added", "by-kubectl"))
				} else {
					g.Expect(data).NotTo(HaveKey("added"))
				}
			}, 10*time.Second).Should(Succeed())
		})
	}
}
