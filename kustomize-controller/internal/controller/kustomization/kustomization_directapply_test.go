package kustomization

import (
	"fmt"
	"testing"

	. "github.com/onsi/gomega"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// TestDirectApply_OtherFieldManagers: a changed object that another field manager also writes
// is applied with its validation dry-run and one apply, as long as the staged apply would leave
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
			rev := publishRevision(t, ns, files)
			requests.reset()
			requests.key = dryRunKey
			t.Cleanup(func() { requests.key = nil })
			reconcileUntilAttempted(t, key, rev)
			counts := requests.reset()
			g.Expect(getKs(g, t.Context(), key).Status.LastAppliedRevision).To(Equal(rev))

			got := getCM(g, t.Context(), ns, "cm")
			g.Expect(got.Data).To(HaveKeyWithValue("ours", "v2"))
			managers := map[string]bool{}
			for _, e := range got.ManagedFields {
				managers[e.Manager] = true
			}
			if tt.wantStaged {
				g.Expect(counts).To(HaveKey("GET"), "read by the staged apply: %v", counts)
				g.Expect(got.Data).NotTo(HaveKey("theirs"), "fields added with kubectl are reverted")
				g.Expect(managers).NotTo(HaveKey(tt.manager), "the manager's entry is handed over")
				return
			}
			g.Expect(counts).To(Equal(map[string]int{"PATCH dry-run": 1, "PATCH": 1}),
				"a validation dry-run and the apply: %v", counts)
			g.Expect(got.Data).To(HaveKeyWithValue("theirs", "kept?"), fmt.Sprintf("managers: %v", managers))
			g.Expect(managers).To(HaveKey(tt.manager))
		})
	}
}
