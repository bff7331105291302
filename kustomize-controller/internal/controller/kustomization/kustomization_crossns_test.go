package kustomization

import (
	"testing"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	. "github.com/onsi/gomega"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kustomizev1 "github.com/eddy-gitops/eddy/api/kustomize/v1"
)

// TestCrossNamespaceRefs: a source in another namespace is used by default and refused with
// --no-cross-namespace-refs (AccessDenied, Stalled), for sourceRef and dependsOn alike.
func TestCrossNamespaceRefs(t *testing.T) {
	tests := []struct {
		name     string
		lockdown bool
		dep      bool // reference the other namespace through dependsOn instead of sourceRef
	}{
		{name: "allowed by default"},
		{name: "sourceRef refused with --no-cross-namespace-refs", lockdown: true},
		{name: "dependsOn refused with --no-cross-namespace-refs", lockdown: true, dep: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			srcNS := env.CreateNamespace(t, "xns-src")
			ns := env.CreateNamespace(t, "xns")
			repo := createSource(t, srcNS, "shared", map[string]string{"a.yaml": configMap(ns, "a", nil, nil)})
			ks := newKustomization(ns, "xns", "shared", "./")
			ks.Spec.SourceRef.Namespace = srcNS
			if tt.dep {
				createSource(t, ns, "shared", map[string]string{"a.yaml": configMap(ns, "a", nil, nil)})
				ks.Spec.SourceRef.Namespace = ""
				ks.Spec.DependsOn = []meta.DependencyReference{{Name: "other", Namespace: srcNS}}
			}
			if tt.lockdown {
				ks.Labels = map[string]string{lockdownLabel: "true"}
				ks.Spec.ServiceAccountName = "unused" // impersonation is not reached
			}
			env.CreateAndWait(t, ks)
			key := client.ObjectKeyFromObject(ks)
			if !tt.lockdown {
				waitApplied(t, key, revisionOf(t, repo))
				return
			}
			got := waitNotReady(t, key, kustomizev1.AccessDeniedReason)
			g.Expect(conditions.IsTrue(got, meta.StalledCondition)).To(BeTrue())
			g.Expect(conditions.GetMessage(got, meta.ReadyCondition)).To(ContainSubstring("cross-namespace references have been blocked"))
			g.Expect(getCM(g, t.Context(), ns, "a")).To(BeNil())
		})
	}
}
