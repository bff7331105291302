package kustomization

import (
	"testing"

	"github.com/fluxcd/cli-utils/pkg/kstatus/status"
	"sigs.k8s.io/yaml"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// TestStaticallyHealthy: every kind skipped by the health check must be one kstatus computes
// as Current from the object alone (here: the manifest as if it were live), and kinds with a
// real readiness must be read.
func TestStaticallyHealthy(t *testing.T) {
	tests := []struct {
		manifest string
		want     bool
	}{
		{"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {k: v}", true},
		{"apiVersion: v1\nkind: Secret\nmetadata: {name: a}\ntype: Opaque", true},
		{"apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: a}", true},
		{"apiVersion: v1\nkind: LimitRange\nmetadata: {name: a}\nspec: {limits: []}", true},
		{"apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec: {ports: [{port: 80}]}", true},
		{"apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec: {type: NodePort, ports: [{port: 80}]}", true},
		{"apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: a}\nrules: []", true},
		{"apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: a}\nroleRef: {kind: Role, name: r, apiGroup: rbac.authorization.k8s.io}", true},
		{"apiVersion: scheduling.k8s.io/v1\nkind: PriorityClass\nmetadata: {name: a}\nvalue: 10", true},
		{"apiVersion: v1\nkind: Service\nmetadata: {name: a}\nspec: {type: LoadBalancer, ports: [{port: 80}]}", false},
		{"apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec: {replicas: 0}", false},
		{"apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: a}", false},
		{"apiVersion: v1\nkind: Namespace\nmetadata: {name: a}", false},
		{"apiVersion: example.com/v1\nkind: ConfigMap\nmetadata: {name: a}", false},
	}
	for _, tt := range tests {
		u := &unstructured.Unstructured{}
		if err := yaml.Unmarshal([]byte(tt.manifest), &u.Object); err != nil {
			t.Fatal(err)
		}
		name := u.GetAPIVersion() + " " + u.GetKind()
		got := staticallyHealthy(u)
		if got != tt.want {
			t.Errorf("%s: staticallyHealthy = %v, want %v", name, got, tt.want)
		}
		if !got {
			continue
		}
		res, err := status.Compute(u)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if res.Status != status.CurrentStatus {
			t.Errorf("%s is skipped but kstatus computes %s for it", name, res.Status)
		}
	}
}
