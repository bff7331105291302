package watch

import (
	"testing"

	"github.com/fluxcd/pkg/ssa"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/eddy-gitops/eddy/kustomize-controller/internal/apply"
)

func TestDrifted(t *testing.T) {
	tests := []struct {
		name                           string
		before, after, obefore, oafter string
		want                           bool
	}{
		{name: "never applied by us", before: "-1", after: "-1", want: false},
		{name: "first apply by us", before: "-1", after: "12", want: false},
		{name: "our apply grows our set", before: "8", after: "12", want: false},
		{name: "other manager, fields we do not own", before: "12", after: "12", obefore: "0", oafter: "0", want: false},
		{name: "another writer took a field of ours", before: "12", after: "10", want: true},
		{name: "our entry is gone", before: "12", after: "-1", want: true},
		{name: "kubectl added a field apply removes", before: "12", after: "12", obefore: "0", oafter: "3", want: true},
		{name: "our apply took kubectl's fields back", before: "12", after: "14", obefore: "3", oafter: "0", want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := drifted(tt.before, tt.after, tt.obefore, tt.oafter); got != tt.want {
				t.Errorf("drifted = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestOwnedAndOverrideSize(t *testing.T) {
	fields := func(raw string) *metav1.FieldsV1 { return &metav1.FieldsV1{Raw: []byte(raw)} }
	entries := []metav1.ManagedFieldsEntry{
		{Manager: "kustomize-controller", Operation: metav1.ManagedFieldsOperationApply,
			FieldsV1: fields(`{"f:data":{"f:a":{},"f:b":{}},"f:metadata":{"f:labels":{"f:x":{}}}}`)},
		{Manager: "kustomize-controller", Operation: metav1.ManagedFieldsOperationApply, Subresource: "status",
			FieldsV1: fields(`{"f:status":{}}`)},
		{Manager: "kubectl", Operation: metav1.ManagedFieldsOperationUpdate, FieldsV1: fields(`{"f:data":{"f:c":{}}}`)},
		{Manager: "kube-controller-manager", Operation: metav1.ManagedFieldsOperationUpdate, FieldsV1: fields(`{"f:data":{"f:d":{}}}`)},
	}
	if got := ownedSize(entries, "kustomize-controller"); got != 6 {
		t.Errorf("ownedSize = %d, want 6 (status subresource not counted)", got)
	}
	if got := ownedSize(entries, "someone"); got != -1 {
		t.Errorf("ownedSize without entry = %d, want -1", got)
	}
	if got := overrideSize(entries, takeover()); got != 2 {
		t.Errorf("overrideSize = %d, want 2 (kubectl only)", got)
	}
	if got := overrideSize(entries, takeover("kube-controller-manager")); got != 4 {
		t.Errorf("overrideSize with --override-manager = %d, want 4", got)
	}
	edited := append(entries, metav1.ManagedFieldsEntry{Manager: "kubectl-edit", Operation: metav1.ManagedFieldsOperationUpdate,
		FieldsV1: fields(`{"f:data":{"f:e":{}}}`)})
	if got := overrideSize(edited, takeover()); got != 4 {
		t.Errorf("overrideSize after kubectl edit = %d, want 4 (kubectl and kubectl-edit)", got)
	}
}

// takeover is the list the controller watches with (apply.TakeoverManagers), with overrides.
func takeover(overrides ...string) []ssa.FieldManager { return apply.TakeoverManagers(overrides) }

// TestTakenOverAgreesWithSSA: the watch counts as drift exactly the fields of the entries the
// staged apply's cleanup (fluxcd/pkg/ssa.PatchRemoveFieldsManagers, same matcher) would take.
func TestTakenOverAgreesWithSSA(t *testing.T) {
	managers := append(takeover("helm"), ssa.FieldManager{Name: "exact", ExactMatch: true, OperationType: metav1.ManagedFieldsOperationUpdate})
	var entries []metav1.ManagedFieldsEntry
	for _, name := range []string{"kubectl", "kubectl-edit", "kubectl-client-side-apply", "kubectl-patch", "before-first-apply",
		"before-first-apply-x", "helm", "helm-controller", "exact", "exact-not", "kustomize-controller", "kube-controller-manager", "kube"} {
		for _, op := range []metav1.ManagedFieldsOperationType{metav1.ManagedFieldsOperationApply, metav1.ManagedFieldsOperationUpdate} {
			for _, sub := range []string{"", "status", "scale"} {
				entries = append(entries, metav1.ManagedFieldsEntry{Manager: name, Operation: op, Subresource: sub})
			}
		}
	}
	for _, e := range entries {
		u := &unstructured.Unstructured{Object: map[string]any{}}
		u.SetManagedFields([]metav1.ManagedFieldsEntry{e})
		want := len(ssa.PatchRemoveFieldsManagers(u, managers)) > 0
		if got := takenOver(e, managers); got != want {
			t.Errorf("%s %s %q: takenOver = %v, fluxcd/pkg/ssa = %v", e.Manager, e.Operation, e.Subresource, got, want)
		}
	}
}

func TestNothingToTakeOver(t *testing.T) {
	tests := []struct {
		name            string
		owned, override string
		want            bool
	}{
		{"applied by us, nothing of kubectl", "5", "0", true},
		{"kubectl fields", "5", "3", false},
		{"never applied by us", "-1", "0", false},
		{"not recorded", "", "", false},
	}
	s := &Set{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			md := &metav1.PartialObjectMetadata{}
			md.Annotations = map[string]string{}
			if tt.owned != "" {
				md.Annotations[ownedFieldsKey] = tt.owned
				md.Annotations[overrideFieldsKey] = tt.override
			}
			if got := s.NothingToTakeOver(md); got != tt.want {
				t.Errorf("NothingToTakeOver = %v, want %v", got, tt.want)
			}
		})
	}
}
