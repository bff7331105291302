package kustomization

import (
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// TestDirectApply_OtherFieldManagers: a changed object that another field manager also writes
// is applied with one request (the only change of its revision, it is validated by its apply:
// kustomization_soleapply_test.go), as long as the staged apply would leave
// that manager alone (a controller's own fields, as kube-controller-manager's in a Deployment's
// status); the other manager's fields stay. A manager that the staged apply hands over to us
// (kubectl, --override-manager) still goes through it: the object is read, the manager's entry
// is cleaned up and the fields it added are removed.
func TestDirectApply_OtherFieldManagers(t *testing.T) {
	tests := []struct {
		manager    string
		wantStaged bool // read (GET) and applied by fluxcd/pkg/ssa
	}{
		{manager: "other-controller"},
		{manager: "kubectl-edit", wantStaged: true},
	}
	for _, tt := range tests {
		t.Run(tt.manager, func(t *testing.T) {
			g := NewWithT(t)
			ns := env.CreateNamespace(t, "direct")
			files := map[string]string{"cm.yaml": configMap(ns, "cm", map[string]string{"ours": "v1"}, nil)}
			key := manualKustomization(t, ns, files, nil)

			cm := getCM(g, t.Context(), ns, "cm")
			cm.Data["theirs"] = "kept?"
			g.Expect(env.Client.Update(t.Context(), cm, client.FieldOwner(tt.manager))).To(Succeed())

			files["cm.yaml"] = configMap(ns, "cm", map[string]string{"ours": "v2"}, nil)
			rev, counts := publishCounted(t, ns, key, files, dryRunKey)
			g.Expect(getKs(g, t.Context(), key).Status.LastAppliedRevision).To(Equal(rev))

			got := getCM(g, t.Context(), ns, "cm")
			g.Expect(got.Data).To(HaveKeyWithValue("ours", "v2"))
			managers := managersOf(got)
			if tt.wantStaged {
				g.Expect(counts).To(HaveKey("GET"), "read by the staged apply: %v", counts)
				g.Expect(got.Data).NotTo(HaveKey("theirs"), "fields added with kubectl are reverted")
				g.Expect(managers).NotTo(HaveKey(tt.manager), "the manager's entry is handed over")
				return
			}
			g.Expect(counts).To(Equal(map[string]int{"PATCH": 1}), "the apply alone: %v", counts)
			g.Expect(got.Data).To(HaveKeyWithValue("theirs", "kept?"), "managers: %v", managers)
			g.Expect(managers).To(HaveKey(tt.manager))
		})
	}
}

// TestDirectApply_ChangedDeployment: kube-controller-manager writes the status of every
// Deployment, so its field manager is on each of them; a new image costs the apply alone, as for
// a ConfigMap, and the status it wrote stays.
func TestDirectApply_ChangedDeployment(t *testing.T) {
	g := NewWithT(t)
	ns := env.CreateNamespace(t, "directdeploy")
	files := map[string]string{"d.yaml": deploymentManifest(ns, "web", 0)}
	key := manualKustomization(t, ns, files, nil)
	g.Eventually(func(g Gomega) {
		d := &appsv1.Deployment{}
		g.Expect(env.Client.Get(t.Context(), client.ObjectKey{Namespace: ns, Name: "web"}, d)).To(Succeed())
		g.Expect(d.Status.ObservedGeneration).To(Equal(d.Generation), "kube-controller-manager wrote the status")
		g.Expect(managersOf(d)).To(HaveKey("kube-controller-manager"))
	}, 60*time.Second, 100*time.Millisecond).Should(Succeed())

	files["d.yaml"] = strings.Replace(deploymentManifest(ns, "web", 0), "podinfo:6.7.0", "podinfo:6.7.1", 1)
	rev, counts := publishCounted(t, ns, key, files, dryRunKey)
	g.Expect(getKs(g, t.Context(), key).Status.LastAppliedRevision).To(Equal(rev))
	g.Expect(counts).To(Equal(map[string]int{"PATCH": 1}), "the apply alone: %v", counts)
	d := &appsv1.Deployment{}
	g.Expect(env.Client.Get(t.Context(), client.ObjectKey{Namespace: ns, Name: "web"}, d)).To(Succeed())
	g.Expect(d.Spec.Template.Spec.Containers[0].Image).To(Equal("ghcr.io/stefanprodan/podinfo:6.7.1"))
	g.Expect(managersOf(d)).To(HaveKey("kube-controller-manager"))
}

// managersOf lists the field managers of obj.
func managersOf(obj client.Object) map[string]bool {
	out := map[string]bool{}
	for _, e := range obj.GetManagedFields() {
		out[e.Manager] = true
	}
	return out
}
