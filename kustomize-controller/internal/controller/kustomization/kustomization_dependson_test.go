package kustomization

import (
	"testing"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	. "github.com/onsi/gomega"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kustomizev1 "github.com/eddy-gitops/eddy/api/kustomize/v1"
)

// TestDependsOn: a Kustomization waits for its dependency (DependencyNotReady), then runs as
// soon as the dependency is Ready at the same source revision.
func TestDependsOn(t *testing.T) {
	g := NewWithT(t)
	ns := env.CreateNamespace(t, "deps")
	repo := createSource(t, ns, "repo", map[string]string{
		"base/a.yaml": configMap(ns, "base", nil, nil),
		"app/b.yaml":  configMap(ns, "app", nil, nil),
	})
	rev := revisionOf(t, repo)
	app := newKustomization(ns, "app", "repo", "./app")
	app.Spec.DependsOn = []meta.DependencyReference{{Name: "base"}}
	env.CreateAndWait(t, app)
	got := waitNotReady(t, client.ObjectKeyFromObject(app), kustomizev1.DependencyNotReadyReason)
	g.Expect(conditions.GetMessage(got, meta.ReadyCondition)).To(ContainSubstring("dependency '" + ns + "/base' not found"))
	g.Expect(getCM(g, t.Context(), ns, "app")).To(BeNil())

	base := newKustomization(ns, "base", "repo", "./base")
	env.CreateAndWait(t, base)
	waitApplied(t, client.ObjectKeyFromObject(base), rev)
	waitApplied(t, client.ObjectKeyFromObject(app), rev)
	g.Expect(getCM(g, t.Context(), ns, "app")).NotTo(BeNil())
}

func TestDependsOn_ReadyExpr(t *testing.T) {
	tests := []struct {
		name       string
		expr       string
		wantReason string // "" means it gets applied
		wantMsg    string
	}{
		{name: "expression true", expr: "dep.metadata.labels['tier'] == 'base' && self.metadata.name == 'app'"},
		{name: "expression false", expr: "dep.metadata.labels['tier'] == 'other'", wantReason: kustomizev1.DependencyNotReadyReason, wantMsg: "is not ready according to readyExpr"},
		{name: "invalid expression stalls", expr: "dep.metadata.(", wantReason: kustomizev1.InvalidCELExpressionReason, wantMsg: "invalid readyExpr"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			ns := env.CreateNamespace(t, "readyexpr")
			repo := createSource(t, ns, "repo", map[string]string{"app/b.yaml": configMap(ns, "app", nil, nil), "base/a.yaml": configMap(ns, "a", nil, nil)})
			base := newKustomization(ns, "base", "repo", "./base")
			base.Labels = map[string]string{"tier": "base"}
			env.CreateAndWait(t, base)
			waitApplied(t, client.ObjectKeyFromObject(base), revisionOf(t, repo))

			app := newKustomization(ns, "app", "repo", "./app")
			app.Spec.DependsOn = []meta.DependencyReference{{Name: "base", ReadyExpr: tt.expr}}
			env.CreateAndWait(t, app)
			key := client.ObjectKeyFromObject(app)
			if tt.wantReason == "" {
				waitApplied(t, key, revisionOf(t, repo))
				return
			}
			got := waitNotReady(t, key, tt.wantReason)
			g.Expect(conditions.GetMessage(got, meta.ReadyCondition)).To(ContainSubstring(tt.wantMsg))
			if tt.wantReason == kustomizev1.InvalidCELExpressionReason {
				g.Expect(conditions.IsTrue(got, meta.StalledCondition)).To(BeTrue())
			}
		})
	}
}
