package build

import (
	"context"
	"maps"
	"testing"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	kustomizev1 "github.com/eddy-gitops/eddy/api/kustomize/v1"
)

// TestPlanUnchanged builds a path from one artifact, then asks whether the same Kustomization
// would build the same objects from a second artifact that differs in some file.
func TestPlanUnchanged(t *testing.T) {
	cm := func(name, v string) string {
		return "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: " + name + "}\ndata: {v: \"" + v + "\"}\n"
	}
	base := map[string]string{
		"apps/a/kustomization.yaml": "resources: [cm.yaml, ../../shared]\n",
		"apps/a/cm.yaml":            cm("a", "1"),
		"apps/b/kustomization.yaml": "resources: [cm.yaml]\n",
		"apps/b/cm.yaml":            cm("b", "1"),
		"shared/kustomization.yaml": "resources: [cm.yaml]\n",
		"shared/cm.yaml":            cm("shared", "1"),
		"plain/one.yaml":            cm("one", "1"),
		"docs/README.md":            "# readme\n",
	}
	tests := []struct {
		name   string
		path   string
		change map[string]string // files of the second artifact that differ
		want   bool
	}{
		{"unrelated path changed", "apps/a", map[string]string{"apps/b/cm.yaml": cm("b", "2")}, true},
		{"non-manifest file elsewhere", "apps/a", map[string]string{"docs/README.md": "# changed\n"}, true},
		{"own file changed", "apps/b", map[string]string{"apps/b/cm.yaml": cm("b", "2")}, false},
		{"shared base changed", "apps/a", map[string]string{"shared/cm.yaml": cm("shared", "2")}, false},
		{"own kustomization.yaml changed", "apps/b", map[string]string{"apps/b/kustomization.yaml": "resources: [cm.yaml]\nnamePrefix: x-\n"}, false},
		{"plain directory gains a file", "plain", map[string]string{"plain/two.yaml": cm("two", "1")}, false},
		{"plain directory and another path changed", "plain", map[string]string{"apps/b/cm.yaml": cm("b", "2")}, true},
		{"unlisted file next to a kustomization.yaml", "apps/b", map[string]string{"apps/b/extra.yaml": cm("extra", "1")}, true},
	}
	// With a namespace, the plain directories set it themselves (plain.go), with or without
	// kustomize's help: both must record what they read.
	for _, ns := range []string{"", "ops"} {
		for _, tt := range tests {
			t.Run(tt.name+"/targetNamespace "+ns, func(t *testing.T) { testUnchanged(t, base, tt.path, ns, tt.change, tt.want) })
		}
	}
}

func testUnchanged(t *testing.T, base map[string]string, path, namespace string, change map[string]string, want bool) {
	ctx := context.Background()
	k := ks(func(s *kustomizev1.KustomizationSpec) { s.Path = path; s.TargetNamespace = namespace })
	first, err := Prepare(ctx, Input{Root: writeTree(t, base), Kustomization: k})
	if err != nil {
		t.Fatal(err)
	}
	objs, err := first.Build(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if first.Deps() == nil || first.Deps().Len() == 0 {
		t.Fatal("the build recorded no observations")
	}
	second := maps.Clone(base)
	maps.Copy(second, change)
	next, err := Prepare(ctx, Input{Root: writeTree(t, second), Kustomization: k})
	if err != nil {
		t.Fatal(err)
	}
	if got := next.Unchanged(first.Deps()); got != want {
		t.Fatalf("Unchanged = %v, want %v", got, want)
	}
	// Whatever Unchanged says must be true of the builds themselves.
	again, err := next.Build(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if same := sameObjects(t, objs, again); want && !same {
		t.Fatal("Unchanged said true but the second artifact builds other objects")
	}
}

func sameObjects(t *testing.T, a, b []*unstructured.Unstructured) bool {
	t.Helper()
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !equality.Semantic.DeepEqual(a[i].Object, b[i].Object) {
			return false
		}
	}
	return true
}
