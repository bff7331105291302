package kustomization

import (
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kustomizev1 "github.com/eddy-gitops/eddy/api/kustomize/v1"
)

// TestIgnoreRules: spec.ignore leaves fields changed in the cluster (e.g. by an autoscaler)
// alone, while other drift is still corrected.
func TestIgnoreRules(t *testing.T) {
	tests := []struct {
		name     string
		ignore   []kustomizev1.IgnoreRule
		wantKept bool
	}{
		{name: "without rules the change is reverted"},
		{name: "ignored path is kept", ignore: []kustomizev1.IgnoreRule{{Paths: []string{"/data/replicas"},
			Target: &kustomizev1.Selector{Kind: "ConfigMap", Name: "scaled"}}}, wantKept: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			ns := env.CreateNamespace(t, "ignore")
			repo := createSource(t, ns, "repo", map[string]string{
				"cm.yaml": configMap(ns, "scaled", map[string]string{"replicas": "1", "color": "blue"}, nil)})
			ks := newKustomization(ns, "ignore", "repo", "./")
			ks.Spec.Ignore = tt.ignore
			env.CreateAndWait(t, ks)
			key := client.ObjectKeyFromObject(ks)
			waitApplied(t, key, revisionOf(t, repo))

			cm := getCM(g, t.Context(), ns, "scaled")
			cm.Data["replicas"] = "5"
			cm.Data["color"] = "red"
			g.Expect(env.Client.Update(t.Context(), cm, client.FieldOwner("autoscaler"))).To(Succeed())
			token := requestReconcile(t, key)
			g.Eventually(func(g Gomega) {
				g.Expect(getKs(g, t.Context(), key).Status.LastHandledReconcileAt).To(Equal(token))
			}, 30*time.Second).Should(Succeed())
			data := getCM(g, t.Context(), ns, "scaled").Data
			g.Expect(data).To(HaveKeyWithValue("color", "blue"), "other drift is corrected")
			if tt.wantKept {
				g.Expect(data).To(HaveKeyWithValue("replicas", "5"))
			} else {
				g.Expect(data).To(HaveKeyWithValue("replicas", "1"))
			}
		})
	}
}
