package kustomization

import (
	"testing"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	. "github.com/onsi/gomega"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kustomizev1 "github.com/eddy-gitops/eddy/api/kustomize/v1"
)

func immutableCM(ns, value string, annotations map[string]string) string {
	return configMap(ns, "frozen", map[string]string{"v": value}, annotations) + "immutable: true\n"
}

// TestForce: an immutable field change fails without force (and changes nothing), and is
// applied by recreating the object with spec.force or the force annotation.
func TestForce(t *testing.T) {
	tests := []struct {
		name        string
		force       bool
		annotations map[string]string
		wantApplied bool
	}{
		{name: "without force the change is refused"},
		{name: "spec.force recreates", force: true, wantApplied: true},
		{name: "force annotation recreates", annotations: map[string]string{kustomizev1.ForceAnnotation: kustomizev1.EnabledValue}, wantApplied: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			ns := env.CreateNamespace(t, "force")
			repo := createSource(t, ns, "repo", map[string]string{
				"cm.yaml":    immutableCM(ns, "1", tt.annotations),
				"other.yaml": configMap(ns, "other", map[string]string{"v": "1"}, nil),
			})
			ks := newKustomization(ns, "force", "repo", "./")
			ks.Spec.Force = tt.force
			env.CreateAndWait(t, ks)
			key := client.ObjectKeyFromObject(ks)
			waitApplied(t, key, revisionOf(t, repo))
			before := getCM(g, t.Context(), ns, "frozen")

			art := artifacts.publish(t, map[string]string{
				"cm.yaml":    immutableCM(ns, "2", tt.annotations),
				"other.yaml": configMap(ns, "other", map[string]string{"v": "2"}, nil),
			})
			setArtifact(t, repo, art)
			if !tt.wantApplied {
				got := waitNotReady(t, key, kustomizev1.ReconciliationFailedReason)
				g.Expect(conditions.GetMessage(got, meta.ReadyCondition)).To(And(
					ContainSubstring("ConfigMap/"+ns+"/frozen"), ContainSubstring("immutable"), ContainSubstring("spec.force")))
				g.Expect(getCM(g, t.Context(), ns, "frozen").Data).To(HaveKeyWithValue("v", "1"))
				g.Expect(getCM(g, t.Context(), ns, "other").Data).To(HaveKeyWithValue("v", "1"), "nothing of the revision is applied")
				return
			}
			waitApplied(t, key, art.Revision)
			g.Eventually(func(g Gomega) {
				after := getCM(g, t.Context(), ns, "frozen")
				g.Expect(after).NotTo(BeNil())
				g.Expect(after.Data).To(HaveKeyWithValue("v", "2"))
				g.Expect(after.UID).NotTo(Equal(before.UID), "the object was recreated")
			}, 20*time.Second).Should(Succeed())
		})
	}
}
