package kustomization

import (
	"testing"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	kustomizev1 "github.com/eddy-gitops/eddy/api/kustomize/v1"
)

// TestApplySpecKey: the fields that only schedule, gate, health-check or prune leave the key
// alone; every field that decides what is written or how it is validated changes it.
func TestApplySpecKey(t *testing.T) {
	base := func() *kustomizev1.Kustomization {
		k := &kustomizev1.Kustomization{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "app", Generation: 1}}
		k.Spec.SourceRef = kustomizev1.CrossNamespaceSourceReference{Kind: "GitRepository", Name: "repo"}
		k.Spec.Path = "./deploy"
		k.Spec.Interval = metav1.Duration{Duration: 10 * time.Minute}
		k.Spec.Prune = true
		return k
	}
	d := func(x time.Duration) *metav1.Duration { return &metav1.Duration{Duration: x} }
	tests := []struct {
		name    string
		change  func(k *kustomizev1.Kustomization)
		applies bool // the change must validate and apply the whole set again
	}{
		{"interval", func(k *kustomizev1.Kustomization) { k.Spec.Interval.Duration = time.Minute }, false},
		{"retryInterval", func(k *kustomizev1.Kustomization) { k.Spec.RetryInterval = d(time.Minute) }, false},
		{"timeout", func(k *kustomizev1.Kustomization) { k.Spec.Timeout = d(time.Minute) }, false},
		{"suspend", func(k *kustomizev1.Kustomization) { k.Spec.Suspend = true }, false},
		{"prune", func(k *kustomizev1.Kustomization) { k.Spec.Prune = false }, false},
		{"deletionPolicy", func(k *kustomizev1.Kustomization) { k.Spec.DeletionPolicy = "Orphan" }, false},
		{"wait", func(k *kustomizev1.Kustomization) { k.Spec.Wait = true }, false},
		{"dependsOn", func(k *kustomizev1.Kustomization) {
			k.Spec.DependsOn = []meta.DependencyReference{{Name: "base"}}
		}, false},
		{"healthChecks", func(k *kustomizev1.Kustomization) {
			k.Spec.HealthChecks = []meta.NamespacedObjectKindReference{{APIVersion: "apps/v1", Kind: "Deployment", Name: "web"}}
		}, false},
		{"healthCheckExprs", func(k *kustomizev1.Kustomization) {
			k.Spec.HealthCheckExprs = []kustomizev1.CustomHealthCheck{{APIVersion: "example.com/v1", Kind: "Thing"}}
		}, false},
		{"generation alone", func(k *kustomizev1.Kustomization) { k.Generation = 7 }, false},

		{"path", func(k *kustomizev1.Kustomization) { k.Spec.Path = "./other" }, true},
		{"sourceRef", func(k *kustomizev1.Kustomization) { k.Spec.SourceRef.Name = "other" }, true},
		{"force", func(k *kustomizev1.Kustomization) { k.Spec.Force = true }, true},
		{"serviceAccountName", func(k *kustomizev1.Kustomization) { k.Spec.ServiceAccountName = "deployer" }, true},
		{"kubeConfig", func(k *kustomizev1.Kustomization) {
			k.Spec.KubeConfig = &meta.KubeConfigReference{SecretRef: &meta.SecretKeyReference{Name: "remote"}}
		}, true},
		{"targetNamespace", func(k *kustomizev1.Kustomization) { k.Spec.TargetNamespace = "apps" }, true},
		{"ignore", func(k *kustomizev1.Kustomization) {
			k.Spec.Ignore = []kustomizev1.IgnoreRule{{Paths: []string{"/spec/replicas"}}}
		}, true},
		{"driftDetection", func(k *kustomizev1.Kustomization) {
			k.Spec.DriftDetection = &kustomizev1.DriftDetection{Mode: kustomizev1.DriftDetectionWarn}
		}, true},
		{"postBuild", func(k *kustomizev1.Kustomization) {
			k.Spec.PostBuild = &kustomizev1.PostBuild{Substitute: map[string]string{"a": "b"}}
		}, true},
		{"decryption", func(k *kustomizev1.Kustomization) {
			k.Spec.Decryption = &kustomizev1.Decryption{Provider: "sops"}
		}, true},
	}
	want := applySpecKey(base())
	if want != applySpecKey(base()) {
		t.Fatal("the key of equal specs differs")
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := base()
			tt.change(k)
			before := k.DeepCopy()
			got := applySpecKey(k)
			if changed := got != want; changed != tt.applies {
				t.Errorf("key changed = %v, want %v", changed, tt.applies)
			}
			if k.Spec.Interval != before.Spec.Interval || k.Spec.Prune != before.Spec.Prune || len(k.Spec.HealthChecks) != len(before.Spec.HealthChecks) {
				t.Error("applySpecKey modified the object")
			}
		})
	}
}

// TestHealthWaitKey: a health wait outlives the spec changes that only schedule or choose what
// is checked, and restarts with a new revision, a change of what is applied, or a change of the
// CEL health checks (which change what Current means for their kinds).
func TestHealthWaitKey(t *testing.T) {
	base := func() *scope {
		k := &kustomizev1.Kustomization{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "app", Generation: 1}}
		k.Spec.SourceRef = kustomizev1.CrossNamespaceSourceReference{Kind: "GitRepository", Name: "repo"}
		k.Spec.Path = "./deploy"
		k.Spec.Wait = true
		k.Spec.HealthCheckExprs = []kustomizev1.CustomHealthCheck{{APIVersion: "example.com/v1", Kind: "Thing",
			HealthCheckExpressions: kustomizev1.HealthCheckExpressions{Current: "status.ready"}}}
		return &scope{obj: k, revision: "main@sha1:aaa"}
	}
	tests := []struct {
		name     string
		change   func(s *scope)
		restarts bool
	}{
		{"generation alone", func(s *scope) { s.obj.Generation = 2 }, false},
		{"interval", func(s *scope) { s.obj.Spec.Interval = metav1.Duration{Duration: time.Hour} }, false},
		{"timeout", func(s *scope) { s.obj.Spec.Timeout = &metav1.Duration{Duration: time.Minute} }, false},
		{"suspend", func(s *scope) { s.obj.Spec.Suspend = true }, false},
		{"wait", func(s *scope) { s.obj.Spec.Wait = false }, false},
		{"healthChecks", func(s *scope) {
			s.obj.Spec.HealthChecks = []meta.NamespacedObjectKindReference{{APIVersion: "apps/v1", Kind: "Deployment", Name: "web"}}
		}, false},

		{"revision", func(s *scope) { s.revision = "main@sha1:bbb" }, true},
		{"path", func(s *scope) { s.obj.Spec.Path = "./other" }, true},
		{"healthCheckExprs", func(s *scope) { s.obj.Spec.HealthCheckExprs[0].Current = "status.phase == 'Ready'" }, true},
		{"no healthCheckExprs", func(s *scope) { s.obj.Spec.HealthCheckExprs = nil }, true},
	}
	want := healthWaitKey(base())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := base()
			tt.change(s)
			if restarted := healthWaitKey(s) != want; restarted != tt.restarts {
				t.Errorf("new wait = %v, want %v", restarted, tt.restarts)
			}
		})
	}
}
