package testenv_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/eddy-gitops/eddy/pkg/controlplane"
)

// decode turns one YAML manifest into an unstructured object in namespace ns.
func decode(t *testing.T, manifest, ns string) *unstructured.Unstructured {
	t.Helper()
	obj := &unstructured.Unstructured{}
	if err := yaml.Unmarshal([]byte(manifest), &obj.Object); err != nil {
		t.Fatalf("bad test manifest: %v", err)
	}
	obj.SetNamespace(ns)
	return obj
}

// TestSamplesAreAcceptedAndDefaulted creates every sample manifest (Flux-style, unchanged) and
// checks the defaults the API server fills in, as Flux's CRDs do.
func TestSamplesAreAcceptedAndDefaulted(t *testing.T) {
	root, err := controlplane.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		file     string
		defaults map[string]any // dotted path -> value expected after create
	}{
		{"source_v1_gitrepository.yaml", map[string]any{
			"spec.timeout": "60s", "status.observedGeneration": int64(-1)}},
		{"source_v1_ocirepository.yaml", map[string]any{
			"spec.timeout": "60s", "spec.provider": "generic", "status.observedGeneration": int64(-1)}},
		{"kustomize_v1_kustomization.yaml", map[string]any{
			"spec.prune": true, "status.observedGeneration": int64(-1)}},
		{"image_v1_imagerepository.yaml", map[string]any{
			"spec.exclusionList": []any{`^.*\.sig$`}, "spec.provider": "generic", "status.observedGeneration": int64(-1)}},
		{"image_v1_imagepolicy.yaml", map[string]any{
			"spec.digestReflectionPolicy": "Never", "status.observedGeneration": int64(-1)}},
		{"image_v1_imageupdateautomation.yaml", map[string]any{
			"spec.update.strategy": "Setters", "status.observedGeneration": int64(-1)}},
		{"notification_v1beta3_provider.yaml", map[string]any{"spec.type": "slack"}},
		{"notification_v1beta3_alert.yaml", map[string]any{"spec.eventSeverity": "info"}},
		{"notification_v1_receiver.yaml", map[string]any{
			"spec.interval": "10m", "status.observedGeneration": int64(-1)}},
	}
	ns := env.CreateNamespace(t, "samples")
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(root, "config", "samples", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			obj := decode(t, string(data), ns)
			if err := env.Client.Create(t.Context(), obj); err != nil {
				t.Fatalf("the API server rejected a valid Flux manifest: %v", err)
			}
			got := &unstructured.Unstructured{}
			got.SetGroupVersionKind(obj.GroupVersionKind())
			if err := env.Client.Get(t.Context(), client.ObjectKeyFromObject(obj), got); err != nil {
				t.Fatal(err)
			}
			for path, want := range tt.defaults {
				value, found, err := unstructured.NestedFieldNoCopy(got.Object, strings.Split(path, ".")...)
				if err != nil || !found {
					t.Errorf("%s: not set (err=%v)", path, err)
					continue
				}
				if !reflect.DeepEqual(value, want) {
					t.Errorf("%s = %#v, want %#v", path, value, want)
				}
			}
		})
	}
}

// TestInvalidSpecsAreRejected checks that the API server refuses invalid objects with a message
// that names the field and the rule.
func TestInvalidSpecsAreRejected(t *testing.T) {
	tests := []struct {
		name     string
		manifest string
		wantMsg  []string
	}{
		{
			name: "GitRepository with an ftp URL",
			manifest: `
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: ftp}
spec: {interval: 1m, url: "ftp://x"}`,
			wantMsg: []string{"spec.url", "should match"},
		},
		{
			name: "GitRepository without an interval",
			manifest: `
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: nointerval}
spec: {url: "https://example.com/repo"}`,
			wantMsg: []string{"spec.interval", "Required value"},
		},
		{
			name: "GitRepository with a bad verify mode",
			manifest: `
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: verify}
spec: {interval: 1m, url: "https://example.com/repo", verify: {mode: everything, secretRef: {name: keys}}}`,
			wantMsg: []string{"spec.verify.mode", "Unsupported value"},
		},
		{
			name: "OCIRepository with an https URL",
			manifest: `
apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata: {name: https}
spec: {interval: 1m, url: "https://ghcr.io/org/repo"}`,
			wantMsg: []string{"spec.url", "should match"},
		},
		{
			name: "OCIRepository with an unknown layer operation",
			manifest: `
apiVersion: source.toolkit.fluxcd.io/v1
kind: OCIRepository
metadata: {name: layerop}
spec: {interval: 1m, url: "oci://ghcr.io/org/repo", layerSelector: {operation: unzip}}`,
			wantMsg: []string{"spec.layerSelector.operation", "Unsupported value"},
		},
		{
			name: "Kustomization without prune",
			manifest: `
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: noprune}
spec: {interval: 1m, sourceRef: {kind: GitRepository, name: repo}}`,
			wantMsg: []string{"spec.prune", "Required value"},
		},
		{
			name: "Kustomization with an unknown source kind",
			manifest: `
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: badkind}
spec: {interval: 1m, prune: true, sourceRef: {kind: HelmRepository, name: repo}}`,
			wantMsg: []string{"spec.sourceRef.kind", "Unsupported value"},
		},
		{
			name: "Kustomization with a bad deletionPolicy",
			manifest: `
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: baddeletion}
spec: {interval: 1m, prune: true, deletionPolicy: Sometimes, sourceRef: {kind: GitRepository, name: repo}}`,
			wantMsg: []string{"spec.deletionPolicy", "Unsupported value"},
		},
		{
			name: "ImagePolicy with two policy kinds",
			manifest: `
apiVersion: image.toolkit.fluxcd.io/v1
kind: ImagePolicy
metadata: {name: twopolicies}
spec:
  imageRepositoryRef: {name: repo}
  policy: {semver: {range: ">=1.0.0"}, alphabetical: {order: asc}}`,
			wantMsg: []string{"spec.policy"},
		},
		{
			name: "ImagePolicy with an interval but digestReflectionPolicy Never",
			manifest: `
apiVersion: image.toolkit.fluxcd.io/v1
kind: ImagePolicy
metadata: {name: intervalnever}
spec:
  imageRepositoryRef: {name: repo}
  policy: {semver: {range: ">=1.0.0"}}
  digestReflectionPolicy: Never
  interval: 5m`,
			wantMsg: []string{"interval"},
		},
		{
			name: "ImageRepository with 26 exclusions",
			manifest: `
apiVersion: image.toolkit.fluxcd.io/v1
kind: ImageRepository
metadata: {name: exclusions}
spec:
  image: ghcr.io/org/app
  interval: 5m
  exclusionList: [a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q,r,s,t,u,v,w,x,y,z]`,
			wantMsg: []string{"spec.exclusionList", "must have at most 25 items"},
		},
		{
			name: "ImageUpdateAutomation pointing at an OCIRepository",
			manifest: `
apiVersion: image.toolkit.fluxcd.io/v1
kind: ImageUpdateAutomation
metadata: {name: ocisource}
spec:
  interval: 5m
  sourceRef: {kind: OCIRepository, name: repo}
  git: {commit: {author: {email: bot@example.com}}}`,
			wantMsg: []string{"spec.sourceRef.kind", "Unsupported value"},
		},
		{
			name: "Provider of an unknown type",
			manifest: `
apiVersion: notification.toolkit.fluxcd.io/v1beta3
kind: Provider
metadata: {name: pigeon}
spec: {type: pigeon}`,
			wantMsg: []string{"spec.type", "Unsupported value"},
		},
		{
			name: "Alert with a bad severity",
			manifest: `
apiVersion: notification.toolkit.fluxcd.io/v1beta3
kind: Alert
metadata: {name: severity}
spec:
  providerRef: {name: slack}
  eventSeverity: warning
  eventSources: [{kind: GitRepository, name: "*"}]`,
			wantMsg: []string{"spec.eventSeverity", "Unsupported value"},
		},
		{
			name: "Alert with matchLabels on a named source",
			manifest: `
apiVersion: notification.toolkit.fluxcd.io/v1beta3
kind: Alert
metadata: {name: matchlabels}
spec:
  providerRef: {name: slack}
  eventSources: [{kind: GitRepository, name: podinfo, matchLabels: {team: a}}]`,
			wantMsg: []string{"matchLabels"},
		},
		{
			name: "Receiver of an unknown type",
			manifest: `
apiVersion: notification.toolkit.fluxcd.io/v1
kind: Receiver
metadata: {name: carrier}
spec:
  type: carrier
  secretRef: {name: token}
  resources: [{kind: GitRepository, name: podinfo}]`,
			wantMsg: []string{"spec.type", "Unsupported value"},
		},
	}
	ns := env.CreateNamespace(t, "invalid")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj := decode(t, tt.manifest, ns)
			err := env.Client.Create(t.Context(), obj)
			if err == nil {
				t.Fatal("the API server accepted an invalid object")
			}
			if !apierrors.IsInvalid(err) {
				t.Fatalf("want an Invalid error, got %v", err)
			}
			for _, want := range tt.wantMsg {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %q", err.Error(), want)
				}
			}
		})
	}
}
