package v1

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Compile-time checks that Kustomization satisfies the interfaces controllers rely on.
var (
	_ meta.ObjectWithConditions       = &Kustomization{}
	_ meta.ObjectWithConditionsSetter = &Kustomization{}
	_ meta.ObjectWithDependencies     = &Kustomization{}
)

func dur(d time.Duration) *metav1.Duration { return &metav1.Duration{Duration: d} }

func TestKustomizationGetTimeout(t *testing.T) {
	tests := []struct {
		name     string
		interval time.Duration
		timeout  *metav1.Duration
		want     time.Duration
	}{
		{name: "interval minus 30s", interval: 10 * time.Minute, want: 9*time.Minute + 30*time.Second},
		{name: "short interval floors at 30s", interval: 45 * time.Second, want: 30 * time.Second},
		{name: "explicit timeout", interval: 10 * time.Minute, timeout: dur(2 * time.Minute), want: 2 * time.Minute},
		{name: "explicit timeout floors at 30s", interval: 10 * time.Minute, timeout: dur(5 * time.Second), want: 30 * time.Second},
		{name: "explicit timeout above interval", interval: time.Minute, timeout: dur(5 * time.Minute), want: 5 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := &Kustomization{Spec: KustomizationSpec{Interval: metav1.Duration{Duration: tt.interval}, Timeout: tt.timeout}}
			if got := k.GetTimeout(); got != tt.want {
				t.Errorf("GetTimeout() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestKustomizationGetRetryInterval(t *testing.T) {
	tests := []struct {
		name  string
		retry *metav1.Duration
		want  time.Duration
	}{
		{name: "defaults to interval", want: 5 * time.Minute},
		{name: "explicit", retry: dur(time.Minute), want: time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := &Kustomization{Spec: KustomizationSpec{Interval: metav1.Duration{Duration: 5 * time.Minute}, RetryInterval: tt.retry}}
			if got := k.GetRetryInterval(); got != tt.want {
				t.Errorf("GetRetryInterval() = %v, want %v", got, tt.want)
			}
			if got := k.GetRequeueAfter(); got != 5*time.Minute {
				t.Errorf("GetRequeueAfter() = %v", got)
			}
		})
	}
}

func TestKustomizationDeletionPolicy(t *testing.T) {
	tests := []struct {
		policy     string
		prune      bool
		wantPolicy string
		wantDelete bool
	}{
		{policy: "", prune: true, wantPolicy: DeletionPolicyMirrorPrune, wantDelete: true},
		{policy: "", prune: false, wantPolicy: DeletionPolicyMirrorPrune, wantDelete: false},
		{policy: DeletionPolicyMirrorPrune, prune: true, wantPolicy: DeletionPolicyMirrorPrune, wantDelete: true},
		{policy: DeletionPolicyDelete, prune: false, wantPolicy: DeletionPolicyDelete, wantDelete: true},
		{policy: DeletionPolicyWaitForTermination, prune: false, wantPolicy: DeletionPolicyWaitForTermination, wantDelete: true},
		{policy: DeletionPolicyOrphan, prune: true, wantPolicy: DeletionPolicyOrphan, wantDelete: false},
	}
	for _, tt := range tests {
		k := &Kustomization{Spec: KustomizationSpec{DeletionPolicy: tt.policy, Prune: tt.prune}}
		if got := k.GetDeletionPolicy(); got != tt.wantPolicy {
			t.Errorf("GetDeletionPolicy() with %q = %q, want %q", tt.policy, got, tt.wantPolicy)
		}
		if got := k.PruneOnDelete(); got != tt.wantDelete {
			t.Errorf("PruneOnDelete() with policy %q prune %v = %v, want %v", tt.policy, tt.prune, got, tt.wantDelete)
		}
	}
}

func TestKustomizationDriftDetectionMode(t *testing.T) {
	tests := []struct {
		name string
		dd   *DriftDetection
		want string
	}{
		{name: "unset behaves like Flux", want: DriftDetectionEnabled},
		{name: "empty mode", dd: &DriftDetection{}, want: DriftDetectionEnabled},
		{name: "warn", dd: &DriftDetection{Mode: DriftDetectionWarn}, want: DriftDetectionWarn},
		{name: "disabled", dd: &DriftDetection{Mode: DriftDetectionDisabled}, want: DriftDetectionDisabled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := &Kustomization{Spec: KustomizationSpec{DriftDetection: tt.dd}}
			if got := k.GetDriftDetectionMode(); got != tt.want {
				t.Errorf("GetDriftDetectionMode() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestPostBuildGetSubstituteStrategy(t *testing.T) {
	tests := []struct {
		name string
		pb   *PostBuild
		want string
	}{
		{name: "nil postBuild", want: SubstituteStrategyWithVariables},
		{name: "unset", pb: &PostBuild{}, want: SubstituteStrategyWithVariables},
		{name: "always", pb: &PostBuild{SubstituteStrategy: SubstituteStrategyAlways}, want: SubstituteStrategyAlways},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.pb.GetSubstituteStrategy(); got != tt.want {
				t.Errorf("GetSubstituteStrategy() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestKustomizationSourceRef(t *testing.T) {
	k := &Kustomization{
		ObjectMeta: metav1.ObjectMeta{Namespace: "apps"},
		Spec:       KustomizationSpec{SourceRef: CrossNamespaceSourceReference{Kind: "GitRepository", Name: "repo"}},
	}
	if got := k.GetSourceNamespace(); got != "apps" {
		t.Errorf("GetSourceNamespace() = %q, want apps", got)
	}
	if got := k.Spec.SourceRef.String(); got != "GitRepository/repo" {
		t.Errorf("String() = %q", got)
	}
	k.Spec.SourceRef.Namespace = "flux-system"
	if got := k.GetSourceNamespace(); got != "flux-system" {
		t.Errorf("GetSourceNamespace() = %q, want flux-system", got)
	}
	if got := k.Spec.SourceRef.String(); got != "GitRepository/flux-system/repo" {
		t.Errorf("String() = %q", got)
	}
}

func TestKustomizationAccessors(t *testing.T) {
	deps := []meta.DependencyReference{{Name: "infra", Namespace: "flux-system"}}
	k := &Kustomization{Spec: KustomizationSpec{DependsOn: deps, Suspend: true}}
	if got := k.GetDependsOn(); len(got) != 1 || got[0].Name != "infra" {
		t.Errorf("GetDependsOn() = %v", got)
	}
	if !k.IsSuspended() {
		t.Errorf("IsSuspended() = false")
	}
	k.SetConditions([]metav1.Condition{{Type: HealthyCondition}})
	if got := k.GetConditions(); len(got) != 1 || got[0].Type != HealthyCondition {
		t.Errorf("GetConditions() = %v", got)
	}
}

// TestKustomizationWireFormat checks that a Flux manifest decodes into the expected fields and
// that prune is always serialised, even when false.
func TestKustomizationWireFormat(t *testing.T) {
	const manifest = `{
  "apiVersion": "kustomize.toolkit.fluxcd.io/v1",
  "kind": "Kustomization",
  "metadata": {"name": "apps", "namespace": "flux-system"},
  "spec": {
    "interval": "10m",
    "prune": false,
    "sourceRef": {"kind": "GitRepository", "name": "flux-system"},
    "path": "./apps",
    "dependsOn": [{"name": "infra", "readyExpr": "status.ready"}],
    "healthCheckExprs": [{"apiVersion": "cert-manager.io/v1", "kind": "Certificate", "current": "true"}],
    "patches": [{"patch": "- op: remove\n  path: /x", "target": {"kind": "Deployment", "labelSelector": "app=web"}}],
    "postBuild": {"substitute": {"a": "b"}, "substituteFrom": [{"kind": "ConfigMap", "name": "vars", "optional": true}]},
    "kubeConfig": {"secretRef": {"name": "kc", "key": "value"}},
    "ignore": [{"paths": ["/spec/replicas"], "target": {"kind": "Deployment"}}]
  },
  "status": {"inventory": {"entries": [{"id": "default_web_apps_Deployment", "v": "v1"}]}}
}`
	var k Kustomization
	if err := json.Unmarshal([]byte(manifest), &k); err != nil {
		t.Fatal(err)
	}
	if k.Spec.Interval.Duration != 10*time.Minute || k.Spec.SourceRef.Name != "flux-system" || k.Spec.Path != "./apps" {
		t.Errorf("unexpected spec: %+v", k.Spec)
	}
	if k.Spec.DependsOn[0].ReadyExpr != "status.ready" || k.Spec.HealthCheckExprs[0].Current != "true" {
		t.Errorf("dependsOn/healthCheckExprs not decoded: %+v", k.Spec)
	}
	if k.Spec.Patches[0].Target == nil || k.Spec.Patches[0].Target.LabelSelector != "app=web" {
		t.Errorf("patch target not decoded: %+v", k.Spec.Patches)
	}
	if !k.Spec.PostBuild.SubstituteFrom[0].Optional || k.Spec.KubeConfig.SecretRef.Key != "value" {
		t.Errorf("postBuild/kubeConfig not decoded: %+v", k.Spec)
	}
	if k.Spec.Ignore[0].Paths[0] != "/spec/replicas" || k.Status.Inventory.Entries[0].Version != "v1" {
		t.Errorf("ignore/inventory not decoded")
	}
	out, err := json.Marshal(k.Spec)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), `"prune":false`) {
		t.Errorf("prune:false missing from %s", out)
	}
	if strings.Contains(string(out), "driftDetection") {
		t.Errorf("unset Eddy extension must not be serialised: %s", out)
	}
}
