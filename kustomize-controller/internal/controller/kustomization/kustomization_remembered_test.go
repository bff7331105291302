package kustomization

import (
	"fmt"
	"testing"

	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// TestNoop_StatusInventoryRestored: a steady-state reconcile serves the set from the build
// cache without decoding it only while the status lists the inventory of that set. When the
// status lists something else (here, an entry removed by another writer), the reconcile
// derives the inventory from the objects again and writes it back, still without a request
// for any object.
func TestNoop_StatusInventoryRestored(t *testing.T) {
	g := NewWithT(t)
	ns := env.CreateNamespace(t, "nooprestore")
	files := numberedConfigMaps(ns, "cm-%d", 5)
	key := manualKustomization(t, ns, files, nil)
	want := getKs(g, t.Context(), key).Status.Inventory.Entries
	g.Expect(want).To(HaveLen(5))

	patch := `{"status":{"inventory":{"entries":[`
	for i, e := range want[1:] {
		if i > 0 {
			patch += ","
		}
		patch += fmt.Sprintf(`{"id":%q,"v":%q}`, e.ID, e.Version)
	}
	patch += `]}}}`
	ks := getKs(g, t.Context(), key)
	g.Expect(env.Client.Status().Patch(t.Context(), ks, client.RawPatch(types.MergePatchType, []byte(patch)))).To(Succeed())
	g.Expect(getKs(g, t.Context(), key).Status.Inventory.Entries).To(HaveLen(4))

	requests.reset()
	_, err := manual.Reconcile(t.Context(), ctrl.Request{NamespacedName: key})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(getKs(g, t.Context(), key).Status.Inventory.Entries).To(Equal(want))
	g.Expect(requests.reset()).To(BeEmpty(), "no request for any object")
	g.Expect(getCM(g, t.Context(), ns, "cm-0").Data).To(HaveKeyWithValue("i", "0"), "the object left out of the status is kept")
}
