package kustomization

import (
	"testing"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kustomizev1 "github.com/eddy-gitops/eddy/api/kustomize/v1"
)

// grantConfigMaps lets a ServiceAccount manage ConfigMaps in its namespace.
func grantConfigMaps(t *testing.T, ns, sa string) {
	t.Helper()
	g := NewWithT(t)
	role := &rbacv1.Role{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: sa},
		Rules:      []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"configmaps"}, Verbs: []string{"*"}}},
	}
	binding := &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: sa},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: sa},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Namespace: ns, Name: sa}},
	}
	g.Expect(env.Client.Create(t.Context(), role)).To(Succeed())
	g.Expect(env.Client.Create(t.Context(), binding)).To(Succeed())
}

// TestImpersonation: the objects are applied as spec.serviceAccountName (or
// --default-service-account); without RBAC nothing is applied and the message says why.
func TestImpersonation(t *testing.T) {
	tests := []struct {
		name     string
		sa       string // spec.serviceAccountName
		lockdown bool   // handled by the reconciler with --default-service-account
		wantUser string
	}{
		{name: "spec.serviceAccountName", sa: "deployer", wantUser: "deployer"},
		{name: "--default-service-account", lockdown: true, wantUser: defaultSA},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			ns := env.CreateNamespace(t, "imp")
			g.Expect(env.Client.Create(t.Context(), &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: tt.wantUser}})).To(Succeed())
			repo := createSource(t, ns, "repo", map[string]string{
				"a.yaml": configMap(ns, "a", nil, nil),
				"b.yaml": configMap(ns, "b", nil, nil),
			})
			ks := newKustomization(ns, "imp", "repo", "./")
			ks.Spec.ServiceAccountName = tt.sa
			if tt.lockdown {
				ks.Labels = map[string]string{lockdownLabel: "true"}
			}
			env.CreateAndWait(t, ks)
			key := client.ObjectKeyFromObject(ks)
			got := waitNotReady(t, key, kustomizev1.ReconciliationFailedReason)
			g.Expect(conditions.GetMessage(got, meta.ReadyCondition)).To(And(
				ContainSubstring("forbidden"), ContainSubstring("system:serviceaccount:"+ns+":"+tt.wantUser)))
			g.Expect(getCM(g, t.Context(), ns, "a")).To(BeNil())
			g.Expect(getCM(g, t.Context(), ns, "b")).To(BeNil())

			grantConfigMaps(t, ns, tt.wantUser)
			requestReconcile(t, key)
			waitApplied(t, key, revisionOf(t, repo))
			cm := getCM(g, t.Context(), ns, "a")
			g.Expect(cm).NotTo(BeNil())
		})
	}
}
