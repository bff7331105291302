package kustomization

import (
	"testing"
	"time"

	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kustomizev1 "github.com/eddy-gitops/eddy/api/kustomize/v1"
)

func TestDeletionPolicy(t *testing.T) {
	tests := []struct {
		policy   string
		prune    bool
		wantGone bool
	}{
		{policy: "", prune: true, wantGone: true}, // MirrorPrune follows spec.prune
		{policy: kustomizev1.DeletionPolicyMirrorPrune, prune: false, wantGone: false},
		{policy: kustomizev1.DeletionPolicyDelete, prune: false, wantGone: true},
		{policy: kustomizev1.DeletionPolicyWaitForTermination, prune: false, wantGone: true},
		{policy: kustomizev1.DeletionPolicyOrphan, prune: true, wantGone: false},
	}
	for _, tt := range tests {
		t.Run(tt.policy+"/prune="+map[bool]string{true: "true", false: "false"}[tt.prune], func(t *testing.T) {
			g := NewWithT(t)
			ns := env.CreateNamespace(t, "del")
			repo := createSource(t, ns, "repo", map[string]string{
				"a.yaml":    configMap(ns, "a", nil, nil),
				"keep.yaml": configMap(ns, "keep", nil, map[string]string{kustomizev1.PruneAnnotation: kustomizev1.DisabledValue}),
			})
			ks := newKustomization(ns, "del", "repo", "./")
			ks.Spec.Prune = tt.prune
			ks.Spec.DeletionPolicy = tt.policy
			env.CreateAndWait(t, ks)
			key := client.ObjectKeyFromObject(ks)
			waitApplied(t, key, revisionOf(t, repo))

			g.Expect(env.Client.Delete(t.Context(), ks)).To(Succeed())
			g.Eventually(func() bool {
				return apierrors.IsNotFound(env.Client.Get(t.Context(), key, &kustomizev1.Kustomization{}))
			}, 30*time.Second, 100*time.Millisecond).Should(BeTrue(), "the finalizer is removed")
			if tt.wantGone {
				g.Eventually(func(g Gomega) { g.Expect(getCM(g, t.Context(), ns, "a")).To(BeNil()) }, 10*time.Second).Should(Succeed())
			} else {
				g.Expect(getCM(g, t.Context(), ns, "a")).NotTo(BeNil())
			}
			g.Expect(getCM(g, t.Context(), ns, "keep")).NotTo(BeNil(), "prune: disabled objects always survive")
		})
	}
}
