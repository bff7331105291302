package imagepolicy

import (
	"testing"

	"github.com/fluxcd/pkg/apis/acl"
	"github.com/fluxcd/pkg/apis/meta"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/eddy-gitops/eddy/image-automation-controller/internal/registry/registrytest"
)

func TestCrossNamespaceAccess(t *testing.T) {
	reg := registrytest.New(t, registrytest.Options{})
	reg.Push(t, "app", "1.0.0")
	repoNS := env.CreateNamespace(t, "shared")
	open := newRepo(repoNS, "open", reg.Host+"/app")
	open.Spec.AccessFrom = &acl.AccessFrom{NamespaceSelectors: []acl.NamespaceSelector{{MatchLabels: map[string]string{"team": "blue"}}}}
	env.CreateAndWait(t, open)
	env.CreateAndWait(t, newRepo(repoNS, "closed", reg.Host+"/app"))

	tests := []struct {
		name    string
		labels  map[string]string
		repo    string
		reason  string
		message string
	}{
		{name: "namespace selected by accessFrom", labels: map[string]string{"team": "blue"}, repo: "open", reason: meta.SucceededReason},
		{name: "namespace not selected", labels: map[string]string{"team": "red"}, repo: "open", reason: acl.AccessDeniedReason,
			message: "ACL labels mismatch"},
		{name: "repository without accessFrom", labels: map[string]string{"team": "blue"}, repo: "closed", reason: acl.AccessDeniedReason,
			message: "missing ACL labels"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			ns := env.CreateNamespace(t, "consumer")
			nsObj := &corev1.Namespace{}
			g.Expect(env.Client.Get(t.Context(), client.ObjectKey{Name: ns}, nsObj)).To(Succeed())
			nsObj.Labels = tt.labels
			g.Expect(env.Client.Update(t.Context(), nsObj)).To(Succeed())

			pol := newPolicy(ns, "app", tt.repo, semver("*"))
			pol.Spec.ImageRepositoryRef.Namespace = repoNS
			env.CreateAndWait(t, pol)
			if tt.reason == meta.SucceededReason {
				got := waitFor(t, client.ObjectKeyFromObject(pol), metav1.ConditionTrue, tt.reason)
				g.Expect(got.Status.LatestRef.Tag).To(Equal("1.0.0"))
				return
			}
			got := waitFor(t, client.ObjectKeyFromObject(pol), metav1.ConditionFalse, tt.reason)
			g.Expect(readyOf(got)).To(ContainSubstring(tt.message))
			g.Expect(got.Status.LatestRef).To(BeNil())
		})
	}
}
