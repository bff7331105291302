package kustomization

import (
	"fmt"
	"strings"
	"testing"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	. "github.com/onsi/gomega"

	kustomizev1 "github.com/eddy-gitops/eddy/api/kustomize/v1"
)

// frozenConfigMap is an immutable ConfigMap: the API server refuses any change of its data.
func frozenConfigMap(ns, value string) string {
	return fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: frozen\n  namespace: %s\nimmutable: true\ndata:\n  k: %q\n", ns, value)
}

// TestSoleApply_RefusedChangeIsAValidationFailure: a revision that changes a single object of
// ours sends its apply without a validation dry-run (TestNoop_ChangeCostsTheChangedObjects).
// When the API server refuses that apply, nothing was written, and the reconcile reports it as
// the validation of a larger change does: the same reason, the same "validation failed, nothing
// was applied" message naming the object's dry-run failure.
func TestSoleApply_RefusedChangeIsAValidationFailure(t *testing.T) {
	tests := []struct {
		name         string
		changeOther  bool
		wantRequests map[string]int
	}{
		// The refused apply, then the dry-run that words the failure.
		{name: "the only change", wantRequests: map[string]int{"PATCH": 1, "PATCH dry-run": 1}},
		// Validate dry-runs both before anything is written.
		{name: "one of two changes", changeOther: true, wantRequests: map[string]int{"PATCH dry-run": 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			ns := env.CreateNamespace(t, "soleapply")
			files := map[string]string{
				"frozen.yaml": frozenConfigMap(ns, "v1"),
				"other.yaml":  configMap(ns, "other", map[string]string{"k": "v1"}, nil),
			}
			key := manualKustomization(t, ns, files, nil)

			files["frozen.yaml"] = frozenConfigMap(ns, "v2")
			if tt.changeOther {
				files["other.yaml"] = configMap(ns, "other", map[string]string{"k": "v2"}, nil)
			}
			_, counts := publishCounted(t, ns, key, files, dryRunKey)

			got := getKs(g, t.Context(), key)
			g.Expect(conditions.IsFalse(got, meta.ReadyCondition)).To(BeTrue())
			g.Expect(conditions.GetReason(got, meta.ReadyCondition)).To(Equal(kustomizev1.ReconciliationFailedReason))
			msg := conditions.GetMessage(got, meta.ReadyCondition)
			g.Expect(msg).To(HavePrefix("validation failed, nothing was applied:\n"))
			g.Expect(msg).To(ContainSubstring("ConfigMap/" + ns + "/frozen dry-run failed"))
			g.Expect(msg).To(ContainSubstring("field is immutable"))
			g.Expect(strings.Count(msg, "dry-run failed")).To(Equal(1), msg)
			g.Expect(counts).To(Equal(tt.wantRequests))
			g.Expect(getCM(g, t.Context(), ns, "frozen").Data).To(HaveKeyWithValue("k", "v1"))
			g.Expect(getCM(g, t.Context(), ns, "other").Data).To(HaveKeyWithValue("k", "v1"), "nothing applied from the refused revision")
		})
	}
}
