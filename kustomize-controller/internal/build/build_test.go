package build

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	kustomizev1 "github.com/eddy-gitops/eddy/api/kustomize/v1"
	"github.com/eddy-gitops/eddy/pkg/reconcile"
)

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: podinfo
  labels:
    app: podinfo
spec:
  replicas: 1
  selector:
    matchLabels:
      app: podinfo
  template:
    metadata:
      labels:
        app: podinfo
    spec:
      containers:
      - name: podinfo
        image: ghcr.io/stefanprodan/podinfo:6.0.0
`

// seed is the repository layout of the seed project: apps/<app>/base with overlays per
// environment, shared infrastructure, and one directory per cluster holding Kustomizations
// (app of apps).
var seed = map[string]string{
	"apps/podinfo/base/kustomization.yaml":         "resources:\n- deployment.yaml\n- service.yaml\n",
	"apps/podinfo/base/deployment.yaml":            deployment,
	"apps/podinfo/base/service.yaml":               "apiVersion: v1\nkind: Service\nmetadata:\n  name: podinfo\nspec:\n  selector:\n    app: podinfo\n  ports:\n  - port: 80\n",
	"apps/podinfo/overlays/dev/kustomization.yaml": "namespace: dev\nresources:\n- ../../base\n",
	"apps/podinfo/overlays/staging/kustomization.yaml": "namespace: staging\nresources:\n- ../../base\n" +
		"patches:\n- patch: |\n    - op: replace\n      path: /spec/replicas\n      value: 2\n  target:\n    kind: Deployment\n",
	"apps/podinfo/overlays/production/kustomization.yaml": "namespace: production\nnameSuffix: -prod\nresources:\n- ../../base\n" +
		"images:\n- name: ghcr.io/stefanprodan/podinfo\n  newTag: 6.1.0\n" +
		"patches:\n- path: replicas.yaml\n",
	"apps/podinfo/overlays/production/replicas.yaml": "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: podinfo\nspec:\n  replicas: 3\n",
	"infrastructure/namespaces.yaml":                 "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: dev\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: production\n",
	"infrastructure/monitoring/config.yaml":          cm("monitoring", "data:\n  level: info\n"),
	"infrastructure/README.md":                       "# not a manifest\n",
	"clusters/production/apps.yaml": "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: apps\n  namespace: flux-system\n" +
		"spec:\n  interval: 10m\n  path: ./apps/podinfo/overlays/production\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: seed\n",
	"clusters/production/infrastructure.yaml": "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: infrastructure\n  namespace: flux-system\n" +
		"spec:\n  interval: 1h\n  path: ./infrastructure\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: seed\n",
	"types/deployment.yaml": deployment,
	"types/cm.yaml":         cm("types", "data:\n  day: 2001-12-14\n"),
	"components/monitoring/kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n" +
		"labels:\n- pairs:\n    monitoring: enabled\n",
}

// TestBuildLayouts builds each kind of directory the seed layout has, and the spec fields that
// transform the output, and checks the objects that come out.
func TestBuildLayouts(t *testing.T) {
	tests := []struct {
		name  string
		spec  func(*kustomizev1.KustomizationSpec)
		want  []string
		check func(t *testing.T, objs []*unstructured.Unstructured)
	}{
		{
			name: "plain directory gets a generated kustomization, recursively, non-YAML ignored",
			spec: func(s *kustomizev1.KustomizationSpec) { s.Path = "./infrastructure" },
			want: []string{"ConfigMap//monitoring", "Namespace//dev", "Namespace//production"},
		},
		{
			name: "existing kustomization.yaml (base)",
			spec: func(s *kustomizev1.KustomizationSpec) { s.Path = "apps/podinfo/base" },
			want: []string{"Deployment//podinfo", "Service//podinfo"},
		},
		{
			name: "overlay with JSON6902 patch",
			spec: func(s *kustomizev1.KustomizationSpec) { s.Path = "apps/podinfo/overlays/staging" },
			want: []string{"Deployment/staging/podinfo", "Service/staging/podinfo"},
			check: func(t *testing.T, objs []*unstructured.Unstructured) {
				if got := field(t, find(t, objs, "Deployment", "podinfo"), "spec", "replicas"); got != "2" {
					t.Errorf("replicas = %s, want 2", got)
				}
			},
		},
		{
			name: "overlay with suffix, image and strategic-merge patch file",
			spec: func(s *kustomizev1.KustomizationSpec) { s.Path = "apps/podinfo/overlays/production" },
			want: []string{"Deployment/production/podinfo-prod", "Service/production/podinfo-prod"},
			check: func(t *testing.T, objs []*unstructured.Unstructured) {
				d := find(t, objs, "Deployment", "podinfo-prod")
				if got := field(t, d, "spec", "replicas"); got != "3" {
					t.Errorf("replicas = %s, want 3", got)
				}
				if got := containerImage(t, d); got != "ghcr.io/stefanprodan/podinfo:6.1.0" {
					t.Errorf("image = %s", got)
				}
			},
		},
		{
			name: "cluster directory of Kustomizations (app of apps)",
			spec: func(s *kustomizev1.KustomizationSpec) { s.Path = "clusters/production" },
			want: []string{"Kustomization/flux-system/apps", "Kustomization/flux-system/infrastructure"},
		},
		{
			name: "artifact root builds everything",
			spec: func(s *kustomizev1.KustomizationSpec) { s.Path = "./clusters/../clusters/production" },
			want: []string{"Kustomization/flux-system/apps", "Kustomization/flux-system/infrastructure"},
		},
		{
			name: "targetNamespace sets the namespace",
			spec: func(s *kustomizev1.KustomizationSpec) {
				s.Path = "infrastructure/monitoring"
				s.TargetNamespace = "ops"
			},
			want: []string{"ConfigMap/ops/monitoring"},
		},
		{
			name: "targetNamespace overrides an overlay's namespace",
			spec: func(s *kustomizev1.KustomizationSpec) {
				s.Path = "apps/podinfo/overlays/dev"
				s.TargetNamespace = "team-a"
			},
			want: []string{"Deployment/team-a/podinfo", "Service/team-a/podinfo"},
		},
		{
			name: "namePrefix and nameSuffix",
			spec: func(s *kustomizev1.KustomizationSpec) {
				s.Path = "apps/podinfo/base"
				s.NamePrefix = "pre-"
				s.NameSuffix = "-suf"
			},
			want: []string{"Deployment//pre-podinfo-suf", "Service//pre-podinfo-suf"},
		},
		{
			name: "commonMetadata overrides labels and adds annotations",
			spec: func(s *kustomizev1.KustomizationSpec) {
				s.Path = "apps/podinfo/base"
				s.CommonMetadata = &kustomizev1.CommonMetadata{
					Labels:      map[string]string{"app": "common", "team": "a"},
					Annotations: map[string]string{"owner": "ops"},
				}
			},
			want: []string{"Deployment//podinfo", "Service//podinfo"},
			check: func(t *testing.T, objs []*unstructured.Unstructured) {
				for _, o := range objs {
					if o.GetLabels()["app"] != "common" || o.GetLabels()["team"] != "a" || o.GetAnnotations()["owner"] != "ops" {
						t.Errorf("%s: labels %v annotations %v", o.GetName(), o.GetLabels(), o.GetAnnotations())
					}
				}
			},
		},
		{
			name: "images with a new name and a digest",
			spec: func(s *kustomizev1.KustomizationSpec) {
				s.Path = "apps/podinfo/base"
				s.Images = []kustomizev1.Image{{Name: "ghcr.io/stefanprodan/podinfo", NewName: "registry.local/podinfo",
					Digest: "sha256:24a0c4b4a4c0eb97a1aabb8e29f18e917d05abfe1b7a7c07857230879ce7d3d3"}}
			},
			want: []string{"Deployment//podinfo", "Service//podinfo"},
			check: func(t *testing.T, objs []*unstructured.Unstructured) {
				want := "registry.local/podinfo@sha256:24a0c4b4a4c0eb97a1aabb8e29f18e917d05abfe1b7a7c07857230879ce7d3d3"
				if got := containerImage(t, find(t, objs, "Deployment", "podinfo")); got != want {
					t.Errorf("image = %s, want %s", got, want)
				}
			},
		},
		{
			name: "strategic-merge patch without target, JSON6902 patch with label selector",
			spec: func(s *kustomizev1.KustomizationSpec) {
				s.Path = "apps/podinfo/base"
				s.Patches = []kustomizev1.Patch{
					{Patch: "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: podinfo\nspec:\n  replicas: 5\n"},
					{Patch: `[{"op": "add", "path": "/metadata/annotations", "value": {"patched": "json6902"}}]`,
						Target: &kustomizev1.Selector{Kind: "Service", LabelSelector: ""}},
				}
			},
			want: []string{"Deployment//podinfo", "Service//podinfo"},
			check: func(t *testing.T, objs []*unstructured.Unstructured) {
				if got := field(t, find(t, objs, "Deployment", "podinfo"), "spec", "replicas"); got != "5" {
					t.Errorf("replicas = %s, want 5", got)
				}
				if got := find(t, objs, "Service", "podinfo").GetAnnotations()["patched"]; got != "json6902" {
					t.Errorf("service annotation = %q", got)
				}
				if got := find(t, objs, "Deployment", "podinfo").GetAnnotations()["patched"]; got != "" {
					t.Errorf("the JSON6902 patch reached the Deployment")
				}
			},
		},
		{
			name: "JSON6902 patch selected by label selector",
			spec: func(s *kustomizev1.KustomizationSpec) {
				s.Path = "apps/podinfo/base"
				s.Patches = []kustomizev1.Patch{{Patch: "- op: replace\n  path: /spec/replicas\n  value: 7\n",
					Target: &kustomizev1.Selector{Group: "apps", Version: "v1", Kind: "Deployment", LabelSelector: "app=podinfo"}}}
			},
			want: []string{"Deployment//podinfo", "Service//podinfo"},
			check: func(t *testing.T, objs []*unstructured.Unstructured) {
				if got := field(t, find(t, objs, "Deployment", "podinfo"), "spec", "replicas"); got != "7" {
					t.Errorf("replicas = %s, want 7", got)
				}
			},
		},
		{
			name: "components are included, missing ones ignored on request",
			spec: func(s *kustomizev1.KustomizationSpec) {
				s.Path = "apps/podinfo/overlays/dev"
				s.Components = []string{"../../../../components/monitoring", "../../../../components/missing"}
				s.IgnoreMissingComponents = true
			},
			want: []string{"Deployment/dev/podinfo", "Service/dev/podinfo"},
			check: func(t *testing.T, objs []*unstructured.Unstructured) {
				for _, o := range objs {
					if o.GetLabels()["monitoring"] != "enabled" {
						t.Errorf("%s: component label missing: %v", o.GetName(), o.GetLabels())
					}
				}
			},
		},
		{
			name: "objects hold JSON types only: DeepCopy works, timestamps are strings",
			spec: func(s *kustomizev1.KustomizationSpec) { s.Path = "types" },
			want: []string{"ConfigMap//types", "Deployment//podinfo"},
			check: func(t *testing.T, objs []*unstructured.Unstructured) {
				for _, o := range objs {
					_ = o.DeepCopy() // panics on Go int or time.Time values
				}
				if r, ok, _ := unstructured.NestedInt64(find(t, objs, "Deployment", "podinfo").Object, "spec", "replicas"); !ok || r != 1 {
					t.Errorf("replicas = %v (found %v), want int64 1", r, ok)
				}
				// kustomize itself turns an unquoted YAML date into an RFC 3339 string (so does
				// Flux); what matters here is that it is a string, not a time.Time.
				if _, ok, err := unstructured.NestedString(find(t, objs, "ConfigMap", "types").Object, "data", "day"); !ok || err != nil {
					t.Errorf("data.day is not a string: %v", err)
				}
			},
		},
		{
			name: "buildMetadata originAnnotations",
			spec: func(s *kustomizev1.KustomizationSpec) {
				s.Path = "apps/podinfo/base"
				s.BuildMetadata = []string{kustomizev1.BuildMetadataOriginAnnotations}
			},
			want: []string{"Deployment//podinfo", "Service//podinfo"},
			check: func(t *testing.T, objs []*unstructured.Unstructured) {
				if got := find(t, objs, "Deployment", "podinfo").GetAnnotations()["config.kubernetes.io/origin"]; !strings.Contains(got, "path: deployment.yaml") {
					t.Errorf("origin annotation = %q", got)
				}
			},
		},
	}
	root := writeTree(t, seed)
	before := treeHash(t, root)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			objs, err := Build(t.Context(), Input{Root: root, Kustomization: ks(tt.spec), NoRemoteBases: true})
			if err != nil {
				t.Fatalf("Build: %v", err)
			}
			if got := ids(objs); !slices.Equal(got, tt.want) {
				t.Errorf("objects = %v, want %v", got, tt.want)
			}
			if tt.check != nil {
				tt.check(t, objs)
			}
		})
	}
	if after := treeHash(t, root); after != before {
		t.Error("the build modified the artifact root")
	}
}

func containerImage(t *testing.T, d *unstructured.Unstructured) string {
	t.Helper()
	cs, _, _ := unstructured.NestedSlice(d.Object, "spec", "template", "spec", "containers")
	if len(cs) == 0 {
		t.Fatal("no containers")
	}
	return cs[0].(map[string]any)["image"].(string)
}

// TestBuildErrors checks that each kind of bad input ends in a typed error with Flux's reason
// and a message that names the problem (and not the temporary artifact path).
func TestBuildErrors(t *testing.T) {
	files := map[string]string{
		"missing-resource/kustomization.yaml": "resources:\n- deployment.yaml\n- nope.yaml\n",
		"missing-resource/deployment.yaml":    deployment,
		"invalid-yaml/bad.yaml":               "apiVersion: v1\nkind: ConfigMap\nmetadata: [unclosed\n",
		"remote/kustomization.yaml":           "resources:\n- https://github.com/stefanprodan/podinfo//kustomize?ref=6.0.0\n",
		"remote-nested/kustomization.yaml":    "resources:\n- ../remote-git\n",
		"remote-git/kustomization.yaml":       "resources:\n- git@github.com:stefanprodan/podinfo.git//kustomize\n",
		"remote-component/kustomization.yaml": "resources:\n- cm.yaml\ncomponents:\n- github.com/org/repo//component?ref=v1\n",
		"remote-component/cm.yaml":            cm("a", ""),
		"components/kustomization.yaml":       "resources:\n- cm.yaml\n",
		"components/cm.yaml":                  cm("a", ""),
		"nameless/cm.yaml":                    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  labels: {a: b}\n",
		"escape/kustomization.yaml":           "resources:\n- ../../../../../../etc/hosts\n",
		"file.yaml":                           cm("file", ""),
	}
	tests := []struct {
		name     string
		spec     func(*kustomizev1.KustomizationSpec)
		reason   string
		contains []string
	}{
		{name: "path not found", spec: func(s *kustomizev1.KustomizationSpec) { s.Path = "./does/not/exist" },
			reason: meta.ArtifactFailedReason, contains: []string{"kustomization path not found: './does/not/exist'"}},
		{name: "path cannot climb out of the root", spec: func(s *kustomizev1.KustomizationSpec) { s.Path = "../../../../etc" },
			reason: meta.ArtifactFailedReason, contains: []string{"kustomization path not found"}},
		{name: "path is a file", spec: func(s *kustomizev1.KustomizationSpec) { s.Path = "file.yaml" },
			reason: meta.ArtifactFailedReason, contains: []string{"is not a directory"}},
		{name: "missing resource file", spec: func(s *kustomizev1.KustomizationSpec) { s.Path = "missing-resource" },
			reason: meta.BuildFailedReason, contains: []string{"kustomize build failed", "nope.yaml"}},
		{name: "invalid YAML", spec: func(s *kustomizev1.KustomizationSpec) { s.Path = "invalid-yaml" },
			reason: meta.BuildFailedReason, contains: []string{"bad.yaml"}},
		{name: "remote resource with --no-remote-bases", spec: func(s *kustomizev1.KustomizationSpec) { s.Path = "remote" },
			reason: meta.BuildFailedReason, contains: []string{"remote resource 'https://github.com/stefanprodan/podinfo//kustomize?ref=6.0.0' in remote/kustomization.yaml", "--no-remote-bases"}},
		{name: "remote base two levels down", spec: func(s *kustomizev1.KustomizationSpec) { s.Path = "remote-nested" },
			reason: meta.BuildFailedReason, contains: []string{"remote resource 'git@github.com:stefanprodan/podinfo.git//kustomize' in remote-git/kustomization.yaml"}},
		{name: "remote component", spec: func(s *kustomizev1.KustomizationSpec) { s.Path = "remote-component" },
			reason: meta.BuildFailedReason, contains: []string{"remote resource 'github.com/org/repo//component?ref=v1'"}},
		{name: "remote component in spec", spec: func(s *kustomizev1.KustomizationSpec) {
			s.Path = "components"
			s.Components = []string{"https://example.com/component"}
		}, reason: meta.BuildFailedReason, contains: []string{"component path 'https://example.com/component' must be local and relative"}},
		{name: "missing component not ignored", spec: func(s *kustomizev1.KustomizationSpec) {
			s.Path = "components"
			s.Components = []string{"nope"}
		}, reason: meta.BuildFailedReason, contains: []string{"kustomize build failed", "nope"}},
		{name: "object without a name", spec: func(s *kustomizev1.KustomizationSpec) { s.Path = "nameless" },
			reason: meta.BuildFailedReason, contains: []string{"nameless"}},
		{name: "resource outside the root", spec: func(s *kustomizev1.KustomizationSpec) { s.Path = "escape" },
			reason: meta.BuildFailedReason, contains: []string{"kustomize build failed"}},
	}
	root := writeTree(t, files)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Build(t.Context(), Input{Root: root, Kustomization: ks(tt.spec), NoRemoteBases: true})
			if err == nil {
				t.Fatal("Build succeeded, want an error")
			}
			var g *reconcile.Generic
			if !errors.As(err, &g) || g.Reason != tt.reason {
				t.Fatalf("error %T %v: want reconcile.Generic with reason %s", err, err, tt.reason)
			}
			for _, c := range tt.contains {
				if !strings.Contains(err.Error(), c) {
					t.Errorf("error %q does not contain %q", err, c)
				}
			}
			if strings.Contains(err.Error(), root) {
				t.Errorf("error %q leaks the artifact path", err)
			}
		})
	}
}

func TestJSONTypes(t *testing.T) {
	in := map[string]any{
		"int": 1, "int32": int32(2), "uint64": uint64(3), "big": uint64(1 << 63), "float32": float32(1.5),
		"time": time.Date(2001, 12, 14, 0, 0, 0, 0, time.UTC), "s": "x", "b": true, "nil": nil,
		"nested": []any{map[string]any{"n": 4}, 5},
	}
	got := jsonTypes(in).(map[string]any)
	want := map[string]any{
		"int": int64(1), "int32": int64(2), "uint64": int64(3), "big": float64(1 << 63), "float32": float64(1.5),
		"time": "2001-12-14T00:00:00Z", "s": "x", "b": true, "nil": nil,
		"nested": []any{map[string]any{"n": int64(4)}, int64(5)},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("jsonTypes = %#v, want %#v", got, want)
	}
	_ = (&unstructured.Unstructured{Object: got}).DeepCopy() // must not panic
}
