package buildenv

import (
	"errors"
	"strings"
	"testing"

	"github.com/fluxcd/pkg/apis/meta"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	kustomizev1 "github.com/eddy-gitops/eddy/api/kustomize/v1"
	"github.com/eddy-gitops/eddy/kustomize-controller/internal/build"
	"github.com/eddy-gitops/eddy/pkg/reconcile"
)

const manifest = `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  cluster: ${cluster_name}
  region: ${region}
  password: ${db_password}
  tier: ${tier:=standard}
`

// TestSubstituteFrom resolves variables from real ConfigMaps and Secrets: order of precedence
// (later substituteFrom entries over earlier ones, inline substitute over all), optional
// sources, and clear errors for missing ones.
func TestSubstituteFrom(t *testing.T) {
	ns := env.CreateNamespace(t, "subst")
	create(t,
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "cluster-vars", Namespace: ns},
			Data: map[string]string{"cluster_name": "prod-1", "region": "eu-west-1", "tier": "gold"}},
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "region-override", Namespace: ns},
			Data: map[string]string{"region": "us-east-1\n"}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "db", Namespace: ns},
			Data: map[string][]byte{"db_password": []byte("hunter2")}},
	)
	root := writeTree(t, map[string]string{"app/cm.yaml": manifest})

	ref := func(kind, name string, optional bool) kustomizev1.SubstituteReference {
		return kustomizev1.SubstituteReference{Kind: kind, Name: name, Optional: optional}
	}
	tests := []struct {
		name string
		pb   kustomizev1.PostBuild
		want map[string]string
	}{
		{
			name: "ConfigMap and Secret",
			pb:   kustomizev1.PostBuild{SubstituteFrom: []kustomizev1.SubstituteReference{ref("ConfigMap", "cluster-vars", false), ref("Secret", "db", false)}},
			want: map[string]string{"cluster": "prod-1", "region": "eu-west-1", "password": "hunter2", "tier": "gold"},
		},
		{
			name: "later entries override earlier ones; newlines are dropped",
			pb: kustomizev1.PostBuild{SubstituteFrom: []kustomizev1.SubstituteReference{
				ref("ConfigMap", "cluster-vars", false), ref("ConfigMap", "region-override", false), ref("Secret", "db", false)}},
			want: map[string]string{"region": "us-east-1"},
		},
		{
			name: "inline substitute overrides substituteFrom",
			pb: kustomizev1.PostBuild{Substitute: map[string]string{"region": "inline"},
				SubstituteFrom: []kustomizev1.SubstituteReference{ref("ConfigMap", "cluster-vars", false), ref("ConfigMap", "region-override", false)}},
			want: map[string]string{"region": "inline", "cluster": "prod-1"},
		},
		{
			name: "a missing optional source is skipped",
			pb: kustomizev1.PostBuild{SubstituteFrom: []kustomizev1.SubstituteReference{
				ref("ConfigMap", "cluster-vars", false), ref("Secret", "absent", true), ref("ConfigMap", "absent", true)}},
			want: map[string]string{"cluster": "prod-1", "tier": "gold"},
		},
		{
			name: "only missing optional sources: defaults apply with strategy Always",
			pb: kustomizev1.PostBuild{SubstituteStrategy: kustomizev1.SubstituteStrategyAlways,
				SubstituteFrom: []kustomizev1.SubstituteReference{ref("ConfigMap", "absent", true)}},
			want: map[string]string{"tier": "standard"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pb := tt.pb
			objs, err := build.Build(t.Context(), build.Input{Root: root, Reader: env.Client, NoRemoteBases: true,
				Kustomization: kustomization(ns, kustomizev1.KustomizationSpec{Path: "app", PostBuild: &pb})})
			if err != nil {
				t.Fatalf("Build: %v", err)
			}
			for k, want := range tt.want {
				if got, _, _ := unstructured.NestedString(objs[0].Object, "data", k); got != want {
					t.Errorf("data.%s = %q, want %q", k, got, want)
				}
			}
		})
	}
}

func TestSubstituteFromErrors(t *testing.T) {
	ns := env.CreateNamespace(t, "subst-err")
	create(t, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "db", Namespace: ns},
		Data: map[string][]byte{"db_password": []byte("hunter2"), "bad-name": []byte("x")}})
	root := writeTree(t, map[string]string{"app/cm.yaml": manifest})
	tests := []struct {
		name     string
		refs     []kustomizev1.SubstituteReference
		contains string
	}{
		{name: "missing ConfigMap", refs: []kustomizev1.SubstituteReference{{Kind: "ConfigMap", Name: "vars"}},
			contains: "postBuild.substituteFrom ConfigMap '" + ns + "/vars' not found"},
		{name: "missing Secret", refs: []kustomizev1.SubstituteReference{{Kind: "Secret", Name: "creds"}},
			contains: "postBuild.substituteFrom Secret '" + ns + "/creds' not found"},
		{name: "invalid variable name from a Secret", refs: []kustomizev1.SubstituteReference{{Kind: "Secret", Name: "db"}},
			contains: "'bad-name' var name is invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := build.Build(t.Context(), build.Input{Root: root, Reader: env.Client, NoRemoteBases: true,
				Kustomization: kustomization(ns, kustomizev1.KustomizationSpec{Path: "app",
					PostBuild: &kustomizev1.PostBuild{SubstituteFrom: tt.refs}})})
			var g *reconcile.Generic
			if !errors.As(err, &g) || g.Reason != meta.BuildFailedReason {
				t.Fatalf("error %v: want BuildFailed", err)
			}
			if !strings.Contains(err.Error(), tt.contains) {
				t.Errorf("error %q does not contain %q", err, tt.contains)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error %q leaks a Secret value", err)
			}
		})
	}
}
