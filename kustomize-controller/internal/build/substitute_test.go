package build

import (
	"errors"
	"strings"
	"testing"

	"github.com/fluxcd/pkg/apis/meta"

	kustomizev1 "github.com/eddy-gitops/eddy/api/kustomize/v1"
	"github.com/eddy-gitops/eddy/pkg/reconcile"
)

// TestBuildSubstitution covers postBuild with inline variables (substituteFrom, which needs an
// API server, is tested in internal/build/buildenv): Flux's ${var} and ${var:=default} rules,
// the strategy, and the per-object opt-out.
func TestBuildSubstitution(t *testing.T) {
	files := map[string]string{
		"app/cm.yaml":                cm("settings-${env}", "data:\n  region: ${region}\n  replicas: \"${replicas:=2}\"\n  literal: $${region}\n  missing: \"${undefined}\"\n"),
		"app/optout-annotation.yaml": cm("optout-a", "  annotations:\n    kustomize.toolkit.fluxcd.io/substitute: disabled\ndata:\n  region: ${region}\n"),
		"app/optout-label.yaml":      cm("optout-l", "  labels:\n    kustomize.toolkit.fluxcd.io/substitute: disabled\ndata:\n  region: ${region}\n"),
		"defaults/cm.yaml":           cm("defaults", "data:\n  replicas: \"${replicas:=2}\"\n  plain: ${nothing}\n"),
	}
	root := writeTree(t, files)
	tests := []struct {
		name string
		spec func(*kustomizev1.KustomizationSpec)
		obj  string
		want map[string]string
	}{
		{
			// An undefined variable becomes empty, i.e. a YAML null (as in Flux).
			name: "variables, defaults, escapes and undefined variables",
			spec: func(s *kustomizev1.KustomizationSpec) {
				s.Path = "app"
				s.PostBuild = &kustomizev1.PostBuild{Substitute: map[string]string{"env": "prod", "region": "eu-west-1"}}
			},
			obj:  "settings-prod",
			want: map[string]string{"region": "eu-west-1", "replicas": "2", "literal": "${region}", "missing": "<nil>"},
		},
		{
			name: "a variable overrides the default; newlines are removed from values",
			spec: func(s *kustomizev1.KustomizationSpec) {
				s.Path = "app"
				s.PostBuild = &kustomizev1.PostBuild{Substitute: map[string]string{"env": "dev", "region": "us\n", "replicas": "5"}}
			},
			obj:  "settings-dev",
			want: map[string]string{"region": "us", "replicas": "5"},
		},
		{
			name: "opt-out by annotation",
			spec: func(s *kustomizev1.KustomizationSpec) {
				s.Path = "app"
				s.PostBuild = &kustomizev1.PostBuild{Substitute: map[string]string{"env": "dev", "region": "us"}}
			},
			obj:  "optout-a",
			want: map[string]string{"region": "${region}"},
		},
		{
			name: "opt-out by label",
			spec: func(s *kustomizev1.KustomizationSpec) {
				s.Path = "app"
				s.PostBuild = &kustomizev1.PostBuild{Substitute: map[string]string{"env": "dev", "region": "us"}}
			},
			obj:  "optout-l",
			want: map[string]string{"region": "${region}"},
		},
		{
			name: "strategy WithVariables without variables leaves the manifests alone",
			spec: func(s *kustomizev1.KustomizationSpec) {
				s.Path = "defaults"
				s.PostBuild = &kustomizev1.PostBuild{}
			},
			obj:  "defaults",
			want: map[string]string{"replicas": "${replicas:=2}", "plain": "${nothing}"},
		},
		{
			name: "strategy Always expands defaults without variables",
			spec: func(s *kustomizev1.KustomizationSpec) {
				s.Path = "defaults"
				s.PostBuild = &kustomizev1.PostBuild{SubstituteStrategy: kustomizev1.SubstituteStrategyAlways}
			},
			obj:  "defaults",
			want: map[string]string{"replicas": "2", "plain": "<nil>"},
		},
		{
			name: "no postBuild: no substitution",
			spec: func(s *kustomizev1.KustomizationSpec) { s.Path = "defaults" },
			obj:  "defaults",
			want: map[string]string{"replicas": "${replicas:=2}"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			objs, err := Build(t.Context(), Input{Root: root, Kustomization: ks(tt.spec), NoRemoteBases: true})
			if err != nil {
				t.Fatalf("Build: %v", err)
			}
			o := find(t, objs, "ConfigMap", tt.obj)
			for k, want := range tt.want {
				if got := field(t, o, "data", k); got != want {
					t.Errorf("data.%s = %q, want %q", k, got, want)
				}
			}
		})
	}
}

func TestBuildSubstitutionErrors(t *testing.T) {
	root := writeTree(t, map[string]string{
		"app/cm.yaml": cm("a", "data:\n  x: ${x}\n"),
		"bad/cm.yaml": cm("b", "data:\n  x: ${x\n"),
	})
	tests := []struct {
		name     string
		spec     func(*kustomizev1.KustomizationSpec)
		contains string
	}{
		{name: "invalid variable name", spec: func(s *kustomizev1.KustomizationSpec) {
			s.Path = "app"
			s.PostBuild = &kustomizev1.PostBuild{Substitute: map[string]string{"1bad-name": "v"}}
		}, contains: "'1bad-name' var name is invalid"},
		{name: "unterminated expression", spec: func(s *kustomizev1.KustomizationSpec) {
			s.Path = "bad"
			s.PostBuild = &kustomizev1.PostBuild{Substitute: map[string]string{"x": "v"}}
		}, contains: "variable substitution in ConfigMap/b failed"},
		{name: "substituteFrom without a client names the object", spec: func(s *kustomizev1.KustomizationSpec) {
			s.Path = "app"
			s.PostBuild = &kustomizev1.PostBuild{SubstituteFrom: []kustomizev1.SubstituteReference{{Kind: "ConfigMap", Name: "vars"}}}
		}, contains: "ConfigMap 'flux-system/vars'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Build(t.Context(), Input{Root: root, Kustomization: ks(tt.spec), NoRemoteBases: true})
			var g *reconcile.Generic
			if !errors.As(err, &g) || g.Reason != meta.BuildFailedReason {
				t.Fatalf("error %v: want BuildFailed", err)
			}
			if !strings.Contains(err.Error(), tt.contains) {
				t.Errorf("error %q does not contain %q", err, tt.contains)
			}
		})
	}
}
