package apply

import (
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/yaml"
)

// TestIsResourceGone tells a missing resource (bare 404, as for a deleted CRD's kind) from a
// missing object (a Status NotFound).
func TestIsResourceGone(t *testing.T) {
	gr := schema.GroupResource{Group: "example.com", Resource: "things"}
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{name: "no handler for the resource", err: apierrors.NewGenericServerResponse(404, "GET", gr, "a", "404 page not found", 0, true), want: true},
		{name: "object not found", err: apierrors.NewNotFound(gr, "a")},
		{name: "other bare error", err: apierrors.NewGenericServerResponse(500, "GET", gr, "a", "boom", 0, true)},
		{name: "no error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := isResourceGone(tt.err); got != tt.want {
				t.Errorf("isResourceGone(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}

// TestCRDServes: only an established CRD that serves the version, names the kind and converts
// without a webhook is used for local validation.
func TestCRDServes(t *testing.T) {
	const base = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: things.example.com}
spec:
  group: example.com
  names: {kind: Thing, plural: things}
  versions:
  - {name: v1, served: true, storage: true}
  - {name: v2, served: false, storage: false}
`
	established := "status:\n  conditions:\n  - {type: Established, status: \"True\"}\n"
	tests := []struct {
		name, extra, version, kind string
		want                       bool
	}{
		{name: "served and established", extra: established, version: "v1", kind: "Thing", want: true},
		{name: "not established", version: "v1", kind: "Thing"},
		{name: "version not served", extra: established, version: "v2", kind: "Thing"},
		{name: "unknown version", extra: established, version: "v3", kind: "Thing"},
		{name: "other kind", extra: established, version: "v1", kind: "Other"},
		{name: "conversion webhook", extra: established + "spec:\n  conversion: {strategy: Webhook}\n", version: "v1", kind: "Thing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := map[string]any{}
			if err := yaml.Unmarshal([]byte(base), &m); err != nil {
				t.Fatal(err)
			}
			extra := map[string]any{}
			if err := yaml.Unmarshal([]byte(tt.extra), &extra); err != nil {
				t.Fatal(err)
			}
			if st, ok := extra["status"]; ok {
				m["status"] = st
			}
			if sp, ok := extra["spec"].(map[string]any); ok {
				m["spec"].(map[string]any)["conversion"] = sp["conversion"]
			}
			gvk := schema.GroupVersionKind{Group: "example.com", Version: tt.version, Kind: tt.kind}
			if got := crdServes(&unstructured.Unstructured{Object: m}, gvk); got != tt.want {
				t.Errorf("crdServes = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestMetaProblems: the metadata rules the API server applies to every object, which the
// OpenAPI schema does not express.
func TestMetaProblems(t *testing.T) {
	cm := schema.GroupVersionKind{Version: "v1", Kind: "ConfigMap"}
	svc := schema.GroupVersionKind{Version: "v1", Kind: "Service"}
	role := schema.GroupVersionKind{Group: "rbac.authorization.k8s.io", Version: "v1", Kind: "ClusterRole"}
	tests := []struct {
		name       string
		gvk        schema.GroupVersionKind
		meta       string
		namespaced bool
		want       string // a substring of the joined problems; "" for none
	}{
		{name: "valid", gvk: cm, meta: "{name: a, namespace: ns, labels: {app: x}, annotations: {a.b/c: any value}}", namespaced: true},
		{name: "missing name", gvk: cm, meta: "{namespace: ns}", namespaced: true, want: "metadata.name: Required value"},
		{name: "name not a subdomain", gvk: cm, meta: "{name: A_B, namespace: ns}", namespaced: true, want: `metadata.name: Invalid value: "A_B"`},
		{name: "service name with a dot", gvk: svc, meta: "{name: a.b, namespace: ns}", namespaced: true, want: `metadata.name: Invalid value: "a.b"`},
		{name: "RBAC name with a colon", gvk: role, meta: "{name: 'system:x'}"},
		{name: "RBAC name with a slash", gvk: role, meta: "{name: a/b}", want: `metadata.name: Invalid value: "a/b"`},
		{name: "missing namespace", gvk: cm, meta: "{name: a}", namespaced: true, want: "metadata.namespace: Required value"},
		{name: "label value", gvk: cm, meta: "{name: a, namespace: ns, labels: {app: 'x y'}}", namespaced: true, want: `metadata.labels: Invalid value: "x y"`},
		{name: "label key", gvk: cm, meta: "{name: a, namespace: ns, labels: {'a/b/c': x}}", namespaced: true, want: `metadata.labels: Invalid value: "a/b/c"`},
		{name: "annotation key", gvk: cm, meta: "{name: a, namespace: ns, annotations: {'-x': v}}", namespaced: true, want: `metadata.annotations: Invalid value: "-x"`},
		{name: "finalizer", gvk: cm, meta: "{name: a, namespace: ns, finalizers: ['Not Valid']}", namespaced: true, want: "metadata.finalizers"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj := &unstructured.Unstructured{}
			if err := yaml.Unmarshal([]byte("{apiVersion: v1, kind: "+tt.gvk.Kind+", metadata: "+tt.meta+"}"), &obj.Object); err != nil {
				t.Fatal(err)
			}
			got := strings.Join(metaProblems(tt.gvk, obj, tt.namespaced), "; ")
			switch {
			case tt.want == "" && got != "":
				t.Errorf("unexpected problems: %s", got)
			case tt.want != "" && !strings.Contains(got, tt.want):
				t.Errorf("problems %q do not contain %q", got, tt.want)
			}
		})
	}
}

// TestSchemaOnlyKind: the kinds whose server-side validation the local check fully covers.
func TestSchemaOnlyKind(t *testing.T) {
	for gvk, want := range map[schema.GroupVersionKind]bool{
		{Version: "v1", Kind: "ConfigMap"}:                                true,
		{Version: "v1", Kind: "Secret"}:                                   true,
		{Version: "v1", Kind: "ServiceAccount"}:                           true,
		{Version: "v1", Kind: "Service"}:                                  false,
		{Group: "apps", Version: "v1", Kind: "Deployment"}:                false,
		{Group: "rbac.authorization.k8s.io", Version: "v1", Kind: "Role"}: false,
		{Group: "example.com", Version: "v1", Kind: "Widget"}:             true,
	} {
		if got := schemaOnlyKind(gvk); got != want {
			t.Errorf("schemaOnlyKind(%s) = %v, want %v", gvk, got, want)
		}
	}
}
