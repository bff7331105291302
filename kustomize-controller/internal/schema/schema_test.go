package schema

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	k8sschema "k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/kube-openapi/pkg/validation/spec"
	"sigs.k8s.io/yaml"
)

func mustObj(t *testing.T, y string) *unstructured.Unstructured {
	t.Helper()
	m := map[string]any{}
	if err := yaml.Unmarshal([]byte(y), &m); err != nil {
		t.Fatal(err)
	}
	return &unstructured.Unstructured{Object: m}
}

const crd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: things.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {kind: Thing, plural: things}
  versions:
  - name: v1
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            required: [size]
            properties:
              size: {type: integer, minimum: 1}
              color: {type: string, enum: [red, blue]}
              free: {type: object, x-kubernetes-preserve-unknown-fields: true}
`

// TestFromCRDAndValidate: the schema taken from a CRD manifest rejects what the API server
// would, naming the field, and accepts the rest (including nulls and preserved fields).
func TestFromCRDAndValidate(t *testing.T) {
	schemas, err := FromCRD(mustObj(t, crd), nil)
	if err != nil {
		t.Fatal(err)
	}
	s := schemas[k8sschema.GroupVersionKind{Group: "example.com", Version: "v1", Kind: "Thing"}]
	if s == nil {
		t.Fatalf("no schema for Thing: %v", schemas)
	}
	head := "apiVersion: example.com/v1\nkind: Thing\nmetadata: {name: a, namespace: b}\n"
	tests := []struct {
		name, spec string
		want       []string // substrings of the problems; none: valid
	}{
		{name: "valid", spec: "spec: {size: 2, color: red, free: {any: [1, 2]}}"},
		{name: "null is unset", spec: "spec: {size: 2, color: null}"},
		{name: "wrong type", spec: "spec: {size: two}", want: []string{"spec.size in body must be of type integer"}},
		{name: "missing required", spec: "spec: {color: red}", want: []string{"spec.size in body is required"}},
		{name: "enum", spec: "spec: {size: 1, color: green}", want: []string{"spec.color in body should be one of [red blue]"}},
		{name: "minimum", spec: "spec: {size: 0}", want: []string{"spec.size in body should be greater than or equal to 1"}},
		{name: "unknown field", spec: "spec: {size: 1, colour: red}", want: []string{"spec.colour in body is a forbidden property"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Validate(s, mustObj(t, head+tt.spec))
			if len(got) != len(tt.want) {
				t.Fatalf("problems = %q, want %d matching %q", got, len(tt.want), tt.want)
			}
			for i, w := range tt.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("problem %q does not contain %q", got[i], w)
				}
			}
		})
	}
}

// TestResolve: references are inlined, recursion is cut (accepting anything below) instead of
// looping, and objects with properties are closed unless they preserve unknown fields.
func TestResolve(t *testing.T) {
	node := spec.Schema{SchemaProps: spec.SchemaProps{Type: spec.StringOrArray{"object"}, Properties: map[string]spec.Schema{
		"name":  {SchemaProps: spec.SchemaProps{Type: spec.StringOrArray{"string"}}},
		"child": {SchemaProps: spec.SchemaProps{Ref: spec.MustCreateRef("#/components/schemas/Node")}},
	}}}
	r := resolver{components: map[string]*spec.Schema{"Node": &node}}
	s := r.resolve(&spec.Schema{SchemaProps: spec.SchemaProps{Ref: spec.MustCreateRef("#/components/schemas/Node")}}, nil)
	obj := &unstructured.Unstructured{Object: map[string]any{"name": "a", "child": map[string]any{"name": "b", "child": map[string]any{"name": "c"}}}}
	if got := Validate(s, obj); len(got) != 0 {
		t.Fatalf("valid nested object rejected: %q", got)
	}
	obj.Object["child"].(map[string]any)["extra"] = "x"
	if got := Validate(s, obj); len(got) != 1 || !strings.Contains(got[0], "child.extra in body is a forbidden property") {
		t.Fatalf("unknown nested field: got %q", got)
	}
}
