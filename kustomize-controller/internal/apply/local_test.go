package apply

import (
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
