package apply

import (
	"testing"

	"github.com/fluxcd/cli-utils/pkg/object"
	"github.com/fluxcd/pkg/ssa"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	kustomizev1 "github.com/eddy-gitops/eddy/api/kustomize/v1"
)

func TestChangeSetMessage(t *testing.T) {
	cs := ssa.NewChangeSet()
	for _, e := range []struct {
		name   string
		action ssa.Action
	}{{"a", ssa.CreatedAction}, {"b", ssa.UnchangedAction}, {"c", ssa.ConfiguredAction}, {"d", ssa.SkippedAction}, {"e", ssa.DeletedAction}} {
		cs.Add(ssa.ChangeSetEntry{
			ObjMetadata: object.ObjMetadata{Namespace: "ns", Name: e.name, GroupKind: schema.GroupKind{Kind: "ConfigMap"}},
			Subject:     "ConfigMap/ns/" + e.name, Action: e.action,
		})
	}
	want := "ConfigMap/ns/a created\nConfigMap/ns/c configured\nConfigMap/ns/e deleted"
	if got := ChangeSetMessage(cs); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if ChangeSetMessage(nil) != "" {
		t.Error("nil change set must render empty")
	}
}

func TestApplyOptions(t *testing.T) {
	o := Options{OverrideManagers: []string{"helm"}}.applyOptions(true, 0)
	if !o.Force {
		t.Error("force not passed through")
	}
	if o.ExclusionSelector[kustomizev1.ReconcileAnnotation] != kustomizev1.DisabledValue ||
		o.ExclusionSelector[kustomizev1.SSAAnnotation] != kustomizev1.IgnoreValue {
		t.Errorf("exclusions: %v", o.ExclusionSelector)
	}
	if o.IfNotPresentSelector[kustomizev1.SSAAnnotation] != kustomizev1.IfNotPresentValue {
		t.Errorf("if-not-present: %v", o.IfNotPresentSelector)
	}
	managers := map[string]int{}
	for _, m := range o.Cleanup.FieldManagers {
		managers[m.Name]++
	}
	if managers["kubectl"] != 2 || managers["before-first-apply"] != 1 || managers["helm"] != 2 {
		t.Errorf("field managers taken over: %v", managers)
	}
}

func TestProvidedAndNamespaceNotFound(t *testing.T) {
	crd := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
		"metadata": map[string]any{"name": "widgets.example.com"},
		"spec":     map[string]any{"group": "example.com", "names": map[string]any{"kind": "Widget"}},
	}}
	ns := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": "team"}}}
	kinds, namespaces := provided([]*unstructured.Unstructured{crd, ns})
	if !kinds[schema.GroupKind{Group: "example.com", Kind: "Widget"}] || !namespaces["team"] {
		t.Fatalf("kinds %v namespaces %v", kinds, namespaces)
	}
	nsGone := apierrors.NewNotFound(schema.GroupResource{Resource: "namespaces"}, "team")
	if !isNamespaceNotFound(nsGone, namespaces) {
		t.Error("a missing namespace the set creates is tolerated")
	}
	if isNamespaceNotFound(apierrors.NewNotFound(schema.GroupResource{Resource: "namespaces"}, "other"), namespaces) {
		t.Error("a missing namespace the set does not create is an error")
	}
	if isNamespaceNotFound(apierrors.NewNotFound(schema.GroupResource{Resource: "configmaps"}, "team"), namespaces) {
		t.Error("only namespaces count")
	}
}

func TestOwnerConflict(t *testing.T) {
	m := &Manager{owner: Owner{Name: "app", Namespace: "ns"}}
	obj := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "c", "namespace": "ns"}}}
	tests := []struct {
		labels map[string]string
		want   bool
	}{
		{nil, false},
		{map[string]string{kustomizev1.NameLabel: "app", kustomizev1.NamespaceLabel: "ns"}, false},
		{map[string]string{kustomizev1.NameLabel: "other", kustomizev1.NamespaceLabel: "ns"}, true},
		{map[string]string{kustomizev1.NameLabel: "app", kustomizev1.NamespaceLabel: "elsewhere"}, true},
	}
	for _, tt := range tests {
		existing := obj.DeepCopy()
		existing.SetLabels(tt.labels)
		if got := m.ownerConflict(obj, existing) != ""; got != tt.want {
			t.Errorf("labels %v: conflict = %v, want %v", tt.labels, got, tt.want)
		}
	}
}
