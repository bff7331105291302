package kustomization

import (
	"testing"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	. "github.com/onsi/gomega"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kustomizev1 "github.com/eddy-gitops/eddy/api/kustomize/v1"
)

// TestHealthChecks covers spec.healthChecks with kstatus (a Deployment that kube-controller-
// manager makes Available) and spec.healthCheckExprs (CEL rules for a kind).
func TestHealthChecks(t *testing.T) {
	deployment := func(ns string) string {
		return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: ` + ns + `
spec:
  replicas: 0
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: ghcr.io/stefanprodan/podinfo:6.7.0}]}
`
	}
	exprs := []kustomizev1.CustomHealthCheck{{APIVersion: "v1", Kind: "ConfigMap",
		HealthCheckExpressions: kustomizev1.HealthCheckExpressions{Current: "data.state == 'ready'", Failed: "data.state == 'broken'"}}}
	tests := []struct {
		name       string
		files      func(ns string) map[string]string
		spec       func(ks *kustomizev1.Kustomization)
		wantReason string // "" means Ready and Healthy
		wantMsg    string
	}{
		{
			name:  "healthChecks on a Deployment",
			files: func(ns string) map[string]string { return map[string]string{"d.yaml": deployment(ns)} },
			spec: func(ks *kustomizev1.Kustomization) {
				ks.Spec.HealthChecks = []meta.NamespacedObjectKindReference{{APIVersion: "apps/v1", Kind: "Deployment", Name: "web", Namespace: ks.Namespace}}
			},
		},
		{
			name: "CEL current",
			files: func(ns string) map[string]string {
				return map[string]string{"c.yaml": configMap(ns, "c", map[string]string{"state": "ready"}, nil)}
			},
			spec: func(ks *kustomizev1.Kustomization) { ks.Spec.Wait = true; ks.Spec.HealthCheckExprs = exprs },
		},
		{
			name: "CEL failed",
			files: func(ns string) map[string]string {
				return map[string]string{"c.yaml": configMap(ns, "c", map[string]string{"state": "broken"}, nil)}
			},
			spec:       func(ks *kustomizev1.Kustomization) { ks.Spec.Wait = true; ks.Spec.HealthCheckExprs = exprs },
			wantReason: kustomizev1.HealthCheckFailedReason,
			wantMsg:    "status: 'Failed'",
		},
		{
			name:  "invalid CEL stalls",
			files: func(ns string) map[string]string { return map[string]string{"c.yaml": configMap(ns, "c", nil, nil)} },
			spec: func(ks *kustomizev1.Kustomization) {
				ks.Spec.Wait = true
				ks.Spec.HealthCheckExprs = []kustomizev1.CustomHealthCheck{{APIVersion: "v1", Kind: "ConfigMap",
					HealthCheckExpressions: kustomizev1.HealthCheckExpressions{Current: "data.("}}}
			},
			wantReason: kustomizev1.InvalidCELExpressionReason,
			wantMsg:    "invalid spec.healthCheckExprs",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			ns := env.CreateNamespace(t, "health")
			repo := createSource(t, ns, "repo", tt.files(ns))
			ks := newKustomization(ns, "health", "repo", "./")
			tt.spec(ks)
			env.CreateAndWait(t, ks)
			key := client.ObjectKeyFromObject(ks)
			if tt.wantReason == "" {
				got := waitApplied(t, key, revisionOf(t, repo))
				g.Expect(conditions.IsTrue(got, kustomizev1.HealthyCondition)).To(BeTrue())
				g.Expect(conditions.GetMessage(got, kustomizev1.HealthyCondition)).To(HavePrefix("Health check passed in "))
				return
			}
			got := waitNotReady(t, key, tt.wantReason)
			g.Expect(conditions.GetMessage(got, meta.ReadyCondition)).To(ContainSubstring(tt.wantMsg))
			if tt.wantReason == kustomizev1.HealthCheckFailedReason {
				g.Expect(conditions.IsFalse(got, kustomizev1.HealthyCondition)).To(BeTrue())
				g.Expect(getCM(g, t.Context(), ns, "c")).NotTo(BeNil(), "objects are applied before their health is checked")
			}
		})
	}
}
