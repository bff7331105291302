package e2e

import (
	"testing"

	. "github.com/onsi/gomega"
)

// TestGitToCluster: a real Git server -> source-controller -> kustomize-controller. The seed
// layout is applied through the app-of-apps (cluster -> infrastructure, podinfo with dependsOn);
// then a commit changes a ConfigMap value and removes an object, a reconcile of the GitRepository
// is requested by annotation, and the change is applied and the removed object pruned.
func TestGitToCluster(t *testing.T) {
	s := seedCluster(t, "git", nil)
	g := NewWithT(t)

	// Every object of the first revision is there, with the owner labels of the Kustomization
	// that applied it.
	for _, obj := range []struct {
		kind      gvk
		namespace string
		name      string
		owner     string
	}{
		{namespaceKind, "", s.id + "-dev", "infrastructure"},
		{namespaceKind, "", s.id + "-staging", "infrastructure"},
		{namespaceKind, "", s.id + "-production", "infrastructure"},
		{deploymentKind, s.appNS, "podinfo", "podinfo"},
		{configMapKind, s.appNS, "podinfo-config", "podinfo"},
		{configMapKind, s.appNS, "podinfo-extra", "podinfo"},
		{kustomizationKind, s.ns, "infrastructure", "cluster"},
		{kustomizationKind, s.ns, "podinfo", "cluster"},
	} {
		u := get(t, obj.kind, obj.namespace, obj.name)
		g.Expect(u).NotTo(BeNil(), "%s %s/%s was not applied", obj.kind.kind, obj.namespace, obj.name)
		g.Expect(u.GetLabels()).To(And(
			HaveKeyWithValue("kustomize.toolkit.fluxcd.io/name", obj.owner),
			HaveKeyWithValue("kustomize.toolkit.fluxcd.io/namespace", s.ns),
		), "%s %s/%s", obj.kind.kind, obj.namespace, obj.name)
	}
	g.Expect(str(get(t, configMapKind, s.appNS, "podinfo-config"), "data", "color")).To(Equal("blue"))
	g.Expect(get(t, configMapKind, s.appNS, "podinfo-config").GetLabels()).To(HaveKeyWithValue("env", "dev"))

	// A second commit: a new value and one object fewer.
	sha := s.wc.commit("podinfo: green, drop the extra ConfigMap",
		map[string]string{
			"apps/podinfo/base/configmap.yaml": podinfoConfig("green"),
			"apps/podinfo/base/kustomization.yaml": `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - deployment.yaml
  - configmap.yaml
`,
		},
		"apps/podinfo/base/extra.yaml")
	token := requestReconcile(t, gitRepositoryKind, s.ns, "seed")

	g.Eventually(func(g Gomega) {
		u := get(t, gitRepositoryKind, s.ns, "seed")
		g.Expect(str(u, "status", "lastHandledReconcileAt")).To(Equal(token))
		g.Expect(str(u, "status", "artifact", "revision")).To(Equal(gitBranch + "@sha1:" + sha))
	}).WithTimeout(timeout).WithPolling(poll).Should(Succeed())
	revision := gitBranch + "@sha1:" + sha
	for _, k := range []string{"cluster", "infrastructure", "podinfo"} {
		waitApplied(t, s.ns, k, revision)
	}
	g.Expect(str(get(t, configMapKind, s.appNS, "podinfo-config"), "data", "color")).To(Equal("green"))
	g.Expect(get(t, configMapKind, s.appNS, "podinfo-extra")).To(BeNil(), "the removed ConfigMap was not pruned")
	g.Expect(get(t, deploymentKind, s.appNS, "podinfo")).NotTo(BeNil(), "an object still in Git was deleted")
}
