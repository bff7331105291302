package build

import (
	"path/filepath"
	"testing"

	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// widgetSchema tells kustomize that spec.items of a Widget merges by name in strategic-merge
// patches; without it the patch replaces the whole list.
const widgetSchema = `{"definitions": {
  "v1.Widget": {
    "type": "object",
    "x-kubernetes-group-version-kind": [{"group": "example.com", "kind": "Widget", "version": "v1"}],
    "properties": {
      "apiVersion": {"type": "string"}, "kind": {"type": "string"}, "metadata": {"type": "object"},
      "spec": {"type": "object", "properties": {"items": {"type": "array",
        "x-kubernetes-patch-merge-key": "name", "x-kubernetes-patch-strategy": "merge",
        "items": {"$ref": "#/definitions/v1.Item"}}}}}},
  "v1.Item": {"type": "object", "properties": {"name": {"type": "string"}, "value": {"type": "integer"}}}
}}`

const widget = `apiVersion: example.com/v1
kind: Widget
metadata:
  name: w
spec:
  items:
  - name: a
    value: 1
  - name: b
    value: 1
`

const widgetPatch = `apiVersion: example.com/v1
kind: Widget
metadata:
  name: w
spec:
  items:
  - name: a
    value: 2
`

// TestKustomizeBuild_CustomSchemaDoesNotLeak builds, in one process, a kustomization without
// and one with an `openapi.path` schema, alternately: each must see only its own schema, and
// the built-in schema (Deployment containers merge by name) must work after a custom one.
func TestKustomizeBuild_CustomSchemaDoesNotLeak(t *testing.T) {
	root := writeTree(t, map[string]string{
		"plain/widget.yaml":         widget,
		"plain/patch.yaml":          widgetPatch,
		"plain/kustomization.yaml":  "resources: [widget.yaml]\npatches: [{path: patch.yaml}]\n",
		"custom/widget.yaml":        widget,
		"custom/patch.yaml":         widgetPatch,
		"custom/schema.json":        widgetSchema,
		"custom/kustomization.yaml": "resources: [widget.yaml]\npatches: [{path: patch.yaml}]\nopenapi: {path: schema.json}\n",
		"deploy/kustomization.yaml": "resources: [deploy.yaml]\npatches: [{path: patch.yaml}]\n",
		"deploy/deploy.yaml": `apiVersion: apps/v1
kind: Deployment
metadata: {name: d}
spec:
  template:
    spec:
      containers: [{name: app, image: app:1}, {name: sidecar, image: side:1}]
`,
		"deploy/patch.yaml": `apiVersion: apps/v1
kind: Deployment
metadata: {name: d}
spec:
  template:
    spec:
      containers: [{name: app, image: app:2}]
`,
	})
	fs := filesys.MakeFsOnDisk()
	items := func(dir string) int {
		t.Helper()
		res, err := kustomizeBuild(fs, filepath.Join(root, dir))
		if err != nil {
			t.Fatalf("build %s: %v", dir, err)
		}
		m, err := res[0].Map()
		if err != nil {
			t.Fatal(err)
		}
		spec := m["spec"].(map[string]any)
		if dir == "deploy" {
			return len(spec["template"].(map[string]any)["spec"].(map[string]any)["containers"].([]any))
		}
		return len(spec["items"].([]any))
	}
	for i, step := range []struct {
		dir  string
		want int
	}{
		{"plain", 1},  // no schema: the patch replaces the list
		{"custom", 2}, // merge by name: a patched, b kept
		{"plain", 1},  // the custom schema is gone again
		{"deploy", 2}, // built-in schema: containers merge by name
		{"custom", 2},
		{"deploy", 2},
	} {
		if got := items(step.dir); got != step.want {
			t.Errorf("step %d (%s): %d list entries, want %d", i, step.dir, got, step.want)
		}
	}
}

// BenchmarkKustomizeBuild measures one small build, the cost every Kustomization pays.
func BenchmarkKustomizeBuild(b *testing.B) {
	root := writeTree(b, map[string]string{
		"app/kustomization.yaml": "resources: [cm.yaml]\n",
		"app/cm.yaml":            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata: {k: v}\n",
	})
	fs := filesys.MakeFsOnDisk()
	for b.Loop() {
		if _, err := kustomizeBuild(fs, filepath.Join(root, "app")); err != nil {
			b.Fatal(err)
		}
	}
}
