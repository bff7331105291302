package build

import (
	"errors"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	kustomizev1 "github.com/eddy-gitops/eddy/api/kustomize/v1"
)

// TestFingerprint checks that the fingerprint changes with every build input and only with them.
func TestFingerprint(t *testing.T) {
	root := writeTree(t, map[string]string{"app/cm.yaml": cm("a", ""), "other/cm.yaml": cm("b", "")})
	base := func(s *kustomizev1.KustomizationSpec) {
		s.Path = "app"
		s.PostBuild = &kustomizev1.PostBuild{Substitute: map[string]string{"a": "1"}}
	}
	fp := func(t *testing.T, digest string, mutate func(*kustomizev1.KustomizationSpec), in func(*Input)) string {
		t.Helper()
		input := Input{Root: root, NoRemoteBases: true, Kustomization: ks(func(s *kustomizev1.KustomizationSpec) {
			base(s)
			if mutate != nil {
				mutate(s)
			}
		})}
		if in != nil {
			in(&input)
		}
		p, err := Prepare(t.Context(), input)
		if err != nil {
			t.Fatal(err)
		}
		return p.Fingerprint(digest)
	}
	ref := fp(t, "sha256:1", nil, nil)
	if again := fp(t, "sha256:1", nil, nil); again != ref {
		t.Fatal("the fingerprint is not deterministic")
	}
	tests := []struct {
		name    string
		digest  string
		mutate  func(*kustomizev1.KustomizationSpec)
		in      func(*Input)
		changes bool
	}{
		{name: "artifact digest", digest: "sha256:2", changes: true},
		{name: "path", mutate: func(s *kustomizev1.KustomizationSpec) { s.Path = "other" }, changes: true},
		{name: "variable value", mutate: func(s *kustomizev1.KustomizationSpec) { s.PostBuild.Substitute["a"] = "2" }, changes: true},
		{name: "substitute strategy", mutate: func(s *kustomizev1.KustomizationSpec) { s.PostBuild.SubstituteStrategy = "Always" }, changes: true},
		{name: "targetNamespace", mutate: func(s *kustomizev1.KustomizationSpec) { s.TargetNamespace = "x" }, changes: true},
		{name: "patches", mutate: func(s *kustomizev1.KustomizationSpec) { s.Patches = []kustomizev1.Patch{{Patch: "x"}} }, changes: true},
		{name: "commonMetadata", mutate: func(s *kustomizev1.KustomizationSpec) {
			s.CommonMetadata = &kustomizev1.CommonMetadata{Labels: map[string]string{"a": "b"}}
		}, changes: true},
		{name: "remote bases allowed", in: func(in *Input) { in.NoRemoteBases = false }, changes: true},
		{name: "decryption keys", mutate: func(s *kustomizev1.KustomizationSpec) { s.Decryption = &kustomizev1.Decryption{Provider: "sops"} },
			in: func(in *Input) { in.DecryptionKeys = []string{"k"} }, changes: true},
		{name: "interval, prune, wait, timeout (apply-only fields)", mutate: func(s *kustomizev1.KustomizationSpec) {
			s.Interval = metav1.Duration{Duration: time.Hour}
			s.Prune = false
			s.Wait = true
			s.ServiceAccountName = "sa"
		}, changes: false},
		{name: "the Kustomization's name", in: func(in *Input) { in.Kustomization.Name = "other" }, changes: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			digest := tt.digest
			if digest == "" {
				digest = "sha256:1"
			}
			if changed := fp(t, digest, tt.mutate, tt.in) != ref; changed != tt.changes {
				t.Errorf("fingerprint changed = %v, want %v", changed, tt.changes)
			}
		})
	}
}

// TestScrub checks that kustomize messages lose the artifact path and object data.
func TestScrub(t *testing.T) {
	p := &Plan{root: "/tmp/artifact-123"}
	in := errors.New(`accumulating resources from '/tmp/artifact-123/apps/x.yaml': conflict: [{"kind":"Secret","data":{"password":"aHVudGVyMg=="},"stringData":{"token":"plain"}}]`)
	got := p.scrub(in).Error()
	for _, leak := range []string{"/tmp/artifact-123", "aHVudGVyMg==", "plain"} {
		if strings.Contains(got, leak) {
			t.Errorf("scrubbed message %q still contains %q", got, leak)
		}
	}
	if !strings.Contains(got, "'apps/x.yaml'") || !strings.Contains(got, `"data":"***"`) {
		t.Errorf("scrubbed message %q lost the useful parts", got)
	}
}
