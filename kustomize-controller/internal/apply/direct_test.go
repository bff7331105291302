package apply

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	kustomizev1 "github.com/eddy-gitops/eddy/api/kustomize/v1"
)

type noLookup struct{}

func (noLookup) Metadata(schema.GroupVersionKind, string, string) (*metav1.PartialObjectMetadata, bool, bool) {
	return nil, false, false
}

// TestDirectEligibility: only objects whose dry-run shows no other field manager and that use
// no per-object policy skip ssa's staged apply; CRDs and Namespaces never do.
func TestDirectEligibility(t *testing.T) {
	obj := func(kind string, ann map[string]string) *unstructured.Unstructured {
		u := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": kind, "metadata": map[string]any{"name": "x"}}}
		u.SetAnnotations(ann)
		return u
	}
	result := func(managers ...string) *unstructured.Unstructured {
		u := obj("ConfigMap", nil)
		var entries []metav1.ManagedFieldsEntry
		for _, m := range managers {
			entries = append(entries, metav1.ManagedFieldsEntry{Manager: m, Operation: metav1.ManagedFieldsOperationApply})
		}
		u.SetManagedFields(entries)
		return u
	}
	tests := []struct {
		name          string
		obj, existing *unstructured.Unstructured
		result        *unstructured.Unstructured
		force         bool
		want          bool
	}{
		{name: "plain new object", obj: obj("ConfigMap", nil), result: result(kustomizev1.FieldManager), want: true},
		{name: "another manager to clean up", obj: obj("ConfigMap", nil), result: result(kustomizev1.FieldManager, "kubectl"), want: false},
		{name: "ssa policy on the manifest", obj: obj("ConfigMap", map[string]string{kustomizev1.SSAAnnotation: kustomizev1.MergeValue}), result: result(kustomizev1.FieldManager), want: false},
		{name: "reconcile disabled in the cluster", obj: obj("ConfigMap", nil), existing: obj("ConfigMap", map[string]string{kustomizev1.ReconcileAnnotation: kustomizev1.DisabledValue}), result: result(kustomizev1.FieldManager), want: false},
		{name: "namespace keeps the staged apply", obj: obj("Namespace", nil), result: result(kustomizev1.FieldManager), want: false},
		{name: "spec.force keeps the staged apply", obj: obj("ConfigMap", nil), result: result(kustomizev1.FieldManager), force: true, want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &Manager{lookup: noLookup{}}
			m.noteDryRun(tt.obj, tt.existing, tt.result)
			direct, _, rest := m.splitDirect([]*unstructured.Unstructured{tt.obj}, tt.force, false)
			if got := len(direct) == 1; got != tt.want || len(direct)+len(rest) != 1 {
				t.Errorf("direct = %v, want %v", got, tt.want)
			}
		})
	}
}
