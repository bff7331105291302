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

func (noLookup) NothingToTakeOver(*metav1.PartialObjectMetadata) bool { return false }

// TestDirectEligibility: objects whose dry-run shows nothing for the staged apply's metadata
// cleanup to do, and that use no per-object policy, skip ssa's staged apply; CRDs and Namespaces
// never do. Other field managers that the cleanup leaves alone do not matter.
func TestDirectEligibility(t *testing.T) {
	obj := func(kind string, ann map[string]string) *unstructured.Unstructured {
		u := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": kind, "metadata": map[string]any{"name": "x"}}}
		u.SetAnnotations(ann)
		return u
	}
	entry := func(manager string, op metav1.ManagedFieldsOperationType, subresource string) metav1.ManagedFieldsEntry {
		return metav1.ManagedFieldsEntry{Manager: manager, Operation: op, Subresource: subresource}
	}
	ours := entry(kustomizev1.FieldManager, metav1.ManagedFieldsOperationApply, "")
	result := func(ann map[string]string, entries ...metav1.ManagedFieldsEntry) *unstructured.Unstructured {
		u := obj("ConfigMap", ann)
		u.SetManagedFields(append([]metav1.ManagedFieldsEntry{ours}, entries...))
		return u
	}
	tests := []struct {
		name          string
		obj, existing *unstructured.Unstructured
		result        *unstructured.Unstructured
		force         bool
		override      []string // --override-manager
		want          bool
	}{
		{name: "plain new object", obj: obj("ConfigMap", nil), result: result(nil), want: true},
		{name: "kubectl apply to clean up", obj: obj("ConfigMap", nil), result: result(nil, entry("kubectl", metav1.ManagedFieldsOperationApply, "")), want: false},
		{name: "kubectl edit to clean up", obj: obj("ConfigMap", nil), result: result(nil, entry("kubectl-edit", metav1.ManagedFieldsOperationUpdate, "")), want: false},
		{name: "before-first-apply to clean up", obj: obj("ConfigMap", nil), result: result(nil, entry("before-first-apply", metav1.ManagedFieldsOperationUpdate, "")), want: false},
		{name: "kubectl's last-applied annotation to clean up", obj: obj("ConfigMap", nil), result: result(map[string]string{"kubectl.kubernetes.io/last-applied-configuration": "{}"}), want: false},
		{name: "a controller's status", obj: obj("ConfigMap", nil), result: result(nil, entry("kube-controller-manager", metav1.ManagedFieldsOperationUpdate, "status")), want: true},
		{name: "kubectl writing the status is left alone by the cleanup too", obj: obj("ConfigMap", nil), result: result(nil, entry("kubectl-edit", metav1.ManagedFieldsOperationUpdate, "status")), want: true},
		{name: "another controller's fields", obj: obj("ConfigMap", nil), result: result(nil, entry("helm", metav1.ManagedFieldsOperationUpdate, "")), want: true},
		{name: "an --override-manager's fields", obj: obj("ConfigMap", nil), result: result(nil, entry("helm", metav1.ManagedFieldsOperationUpdate, "")), override: []string{"helm"}, want: false},
		{name: "ssa policy on the manifest", obj: obj("ConfigMap", map[string]string{kustomizev1.SSAAnnotation: kustomizev1.MergeValue}), result: result(nil), want: false},
		{name: "reconcile disabled in the cluster", obj: obj("ConfigMap", nil), existing: obj("ConfigMap", map[string]string{kustomizev1.ReconcileAnnotation: kustomizev1.DisabledValue}), result: result(nil), want: false},
		{name: "reconcile disabled on an object without owner labels (seen in the dry-run)", obj: obj("ConfigMap", nil), result: result(map[string]string{kustomizev1.ReconcileAnnotation: kustomizev1.DisabledValue}, entry("helm", metav1.ManagedFieldsOperationUpdate, "")), want: false},
		{name: "reconcile disabled as a label on an object without owner labels (seen in the dry-run)", obj: obj("ConfigMap", nil), result: func() *unstructured.Unstructured {
			u := result(nil, entry("helm", metav1.ManagedFieldsOperationUpdate, ""))
			u.SetLabels(map[string]string{kustomizev1.ReconcileAnnotation: kustomizev1.DisabledValue})
			return u
		}(), want: false},
		{name: "namespace keeps the staged apply", obj: obj("Namespace", nil), result: result(nil), want: false},
		{name: "spec.force keeps the staged apply", obj: obj("ConfigMap", nil), result: result(nil), force: true, want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &Manager{lookup: noLookup{}, opts: Options{OverrideManagers: tt.override}}
			m.noteDryRun(tt.obj, tt.existing, tt.result)
			direct, _, rest := m.splitDirect([]*unstructured.Unstructured{tt.obj}, tt.force, false)
			if got := len(direct) == 1; got != tt.want || len(direct)+len(rest) != 1 {
				t.Errorf("direct = %v, want %v", got, tt.want)
			}
		})
	}
}

// cacheLookup serves one cached object.
type cacheLookup struct {
	md    *metav1.PartialObjectMetadata
	plain bool // NothingToTakeOver
}

func (c cacheLookup) Metadata(schema.GroupVersionKind, string, string) (*metav1.PartialObjectMetadata, bool, bool) {
	return c.md, c.md != nil, true
}

func (c cacheLookup) NothingToTakeOver(*metav1.PartialObjectMetadata) bool { return c.plain }

// TestCachedDirect: when Validate did not run (the set was validated by an earlier reconcile),
// an object the informers show as ours, without policy, last-applied annotation or takeover
// fields, is applied with one request; anything else goes through the staged apply.
func TestCachedDirect(t *testing.T) {
	owner := Owner{Name: "app", Namespace: "flux-system"}
	md := func(labels, ann map[string]string) *metav1.PartialObjectMetadata {
		m := &metav1.PartialObjectMetadata{}
		m.Name, m.Namespace, m.ResourceVersion = "x", "apps", "42"
		m.Labels = map[string]string{kustomizev1.NameLabel: owner.Name, kustomizev1.NamespaceLabel: owner.Namespace}
		for k, v := range labels {
			m.Labels[k] = v
		}
		m.Annotations = ann
		return m
	}
	tests := []struct {
		name      string
		lookup    Lookup
		validated bool
		want      bool
	}{
		{name: "ours and plain", lookup: cacheLookup{md: md(nil, nil), plain: true}, want: true},
		{name: "validated in this reconcile: its dry-run decided", lookup: cacheLookup{md: md(nil, nil), plain: true}, validated: true},
		{name: "no lookup", lookup: nil},
		{name: "not in the cache", lookup: cacheLookup{plain: true}},
		{name: "another Kustomization's", lookup: cacheLookup{md: md(map[string]string{kustomizev1.NameLabel: "other"}, nil), plain: true}},
		{name: "fields of kubectl to take over", lookup: cacheLookup{md: md(nil, nil)}},
		{name: "kubectl's last-applied annotation", lookup: cacheLookup{md: md(nil, map[string]string{lastAppliedAnnotation: "{}"}), plain: true}},
		{name: "reconcile disabled in the cluster", lookup: cacheLookup{md: md(nil, map[string]string{kustomizev1.ReconcileAnnotation: kustomizev1.DisabledValue}), plain: true}},
		{name: "force as a label in the cluster", lookup: cacheLookup{md: md(map[string]string{kustomizev1.ForceAnnotation: kustomizev1.EnabledValue}, nil), plain: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &Manager{lookup: tt.lookup, owner: owner, validated: tt.validated}
			o := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "ConfigMap",
				"metadata": map[string]any{"name": "x", "namespace": "apps"}}}
			direct, info, _ := m.splitDirect([]*unstructured.Unstructured{o}, false, false)
			if got := len(direct) == 1; got != tt.want {
				t.Fatalf("direct = %v, want %v", got, tt.want)
			}
			if tt.want && (info[0].resourceVersion != "42" || !info[0].fromCache) {
				t.Errorf("info = %+v", info[0])
			}
		})
	}
}

// TestValidatedByApply: only a revision whose single change is an object of ours and plain
// (what cachedDirect accepts), applied in the last stage, outside spec.force and spec.ignore,
// skips Validate; the object is then sent directly, and a failure is reported as it is (not
// handed to the staged apply), for the caller to validate.
func TestValidatedByApply(t *testing.T) {
	owner := Owner{Name: "app", Namespace: "flux-system"}
	ours := &metav1.PartialObjectMetadata{}
	ours.Name, ours.Namespace, ours.ResourceVersion = "x", "apps", "42"
	ours.Labels = map[string]string{kustomizev1.NameLabel: owner.Name, kustomizev1.NamespaceLabel: owner.Namespace}
	obj := func(kind, name string, annotations map[string]any) *unstructured.Unstructured {
		md := map[string]any{"name": name, "namespace": "apps"}
		if annotations != nil {
			md["annotations"] = annotations
		}
		return &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": kind, "metadata": md}}
	}
	plain := cacheLookup{md: ours, plain: true}
	tests := []struct {
		name      string
		objs      []*unstructured.Unstructured
		lookup    Lookup
		force     bool
		ignore    []kustomizev1.IgnoreRule
		validated bool
		want      bool
	}{
		{name: "one object, ours and plain", objs: []*unstructured.Unstructured{obj("ConfigMap", "x", nil)}, lookup: plain, want: true},
		{name: "two objects", objs: []*unstructured.Unstructured{obj("ConfigMap", "x", nil), obj("ConfigMap", "y", nil)}, lookup: plain},
		{name: "spec.force", objs: []*unstructured.Unstructured{obj("ConfigMap", "x", nil)}, lookup: plain, force: true},
		{name: "spec.ignore", objs: []*unstructured.Unstructured{obj("ConfigMap", "x", nil)}, lookup: plain, ignore: []kustomizev1.IgnoreRule{{Paths: []string{"/data"}}}},
		{name: "already validated", objs: []*unstructured.Unstructured{obj("ConfigMap", "x", nil)}, lookup: plain, validated: true},
		{name: "no lookup", objs: []*unstructured.Unstructured{obj("ConfigMap", "x", nil)}},
		{name: "not ours or not plain (cachedDirect refuses)", objs: []*unstructured.Unstructured{obj("ConfigMap", "x", nil)}, lookup: cacheLookup{md: ours}},
		{name: "a Namespace (first stage)", objs: []*unstructured.Unstructured{obj("Namespace", "x", nil)}, lookup: plain},
		{name: "an apply policy in the manifest", objs: []*unstructured.Unstructured{obj("ConfigMap", "x", map[string]any{kustomizev1.SSAAnnotation: kustomizev1.IfNotPresentValue})}, lookup: plain},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &Manager{lookup: tt.lookup, owner: owner, validated: tt.validated}
			if got := m.ValidatedByApply(tt.objs, tt.force, tt.ignore); got != tt.want {
				t.Fatalf("ValidatedByApply = %v, want %v", got, tt.want)
			}
			direct, info, _ := m.splitDirect(tt.objs, tt.force, len(tt.ignore) > 0)
			if !tt.want {
				return
			}
			if len(direct) != 1 || info[0].resourceVersion != "42" || info[0].fromCache {
				t.Errorf("direct = %d, info = %+v: want the object sent directly, its failure reported as it is", len(direct), info)
			}
		})
	}
}
