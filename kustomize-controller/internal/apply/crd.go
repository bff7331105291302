package apply

import (
	"context"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/kube-openapi/pkg/validation/spec"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// This file reads CRDs from the cluster for local.go: the schema of a custom resource kind as
// the server has it now, and whether the cluster's CRD is the one the set is about to apply.

// clusterCRDSchema returns the schema of a custom resource kind from its CRD as the cluster
// has it now (one GET per kind and Validate; parsed once per resourceVersion), or nil when the
// local check does not cover the kind: no CRD (an aggregated API), a CRD not established, a
// version not served, or conversion by webhook.
func (m *Manager) clusterCRDSchema(ctx context.Context, st *localState, gvk schema.GroupVersionKind) *spec.Schema {
	return st.live.get(gvk, func() *spec.Schema {
		mapping, err := m.local.Mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
		if err != nil {
			return nil
		}
		crd := &unstructured.Unstructured{}
		crd.SetGroupVersionKind(crdGVK)
		if m.c.Get(ctx, client.ObjectKey{Name: mapping.Resource.Resource + "." + gvk.Group}, crd) != nil || !crdServes(crd, gvk) {
			return nil
		}
		objectMeta := m.objectMeta(ctx, st)
		if objectMeta == nil {
			return nil
		}
		schemas, err := m.local.Schemas.CRD(crd, objectMeta)
		if err != nil {
			return nil
		}
		return schemas[gvk]
	})
}

// clusterHasSetCRD reports whether the cluster has the CRD of gvk exactly as the set declares
// it for gvk's version (same schema), so that a dry-run against it judges as it will after the
// apply. One read per CRD and Validate.
func (m *Manager) clusterHasSetCRD(ctx context.Context, st *localState, gvk schema.GroupVersionKind) bool {
	var manifest *unstructured.Unstructured
	for _, crd := range st.crds {
		group, _, _ := unstructured.NestedString(crd.Object, "spec", "group")
		kind, _, _ := unstructured.NestedString(crd.Object, "spec", "names", "kind")
		if group == gvk.Group && kind == gvk.Kind {
			manifest = crd
		}
	}
	if manifest == nil {
		return false
	}
	return st.sameCRD.get(gvk, func() bool {
		live := &unstructured.Unstructured{}
		live.SetGroupVersionKind(crdGVK)
		if m.c.Get(ctx, client.ObjectKey{Name: manifest.GetName()}, live) != nil || !crdServes(live, gvk) {
			return false
		}
		want, gotSchema := versionSchema(manifest, gvk.Version), versionSchema(live, gvk.Version)
		return want != nil && equality.Semantic.DeepEqual(want, gotSchema)
	})
}

// versionSchema returns the openAPIV3Schema of version in a CRD, nil if none.
func versionSchema(crd *unstructured.Unstructured, version string) any {
	versions, _, _ := unstructured.NestedSlice(crd.Object, "spec", "versions")
	for _, v := range versions {
		if vm, ok := v.(map[string]any); ok && vm["name"] == version {
			s, _, _ := unstructured.NestedFieldNoCopy(vm, "schema", "openAPIV3Schema")
			return s
		}
	}
	return nil
}

var crdGVK = schema.GroupVersionKind{Group: "apiextensions.k8s.io", Version: "v1", Kind: "CustomResourceDefinition"}

// crdServes reports whether crd, as read from the cluster, serves gvk with its own schema:
// established, the kind and version served, no conversion webhook.
func crdServes(crd *unstructured.Unstructured, gvk schema.GroupVersionKind) bool {
	if kind, _, _ := unstructured.NestedString(crd.Object, "spec", "names", "kind"); kind != gvk.Kind {
		return false
	}
	if strategy, _, _ := unstructured.NestedString(crd.Object, "spec", "conversion", "strategy"); strategy == "Webhook" {
		return false
	}
	established := false
	conds, _, _ := unstructured.NestedSlice(crd.Object, "status", "conditions")
	for _, c := range conds {
		if cm, ok := c.(map[string]any); ok && cm["type"] == "Established" && cm["status"] == "True" {
			established = true
		}
	}
	versions, _, _ := unstructured.NestedSlice(crd.Object, "spec", "versions")
	for _, v := range versions {
		if vm, ok := v.(map[string]any); ok && vm["name"] == gvk.Version && vm["served"] == true {
			return established
		}
	}
	return false
}
