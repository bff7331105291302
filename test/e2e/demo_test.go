package e2e

import (
	"testing"

	. "github.com/onsi/gomega"

	"github.com/eddy-gitops/eddy/pkg/controlplane"
	"github.com/eddy-gitops/eddy/pkg/devenv/demo"
)

// TestDemo: what `make run` (eddy dev --demo) does after the controllers are up, against the
// same binaries: serve config/samples/demo/fleet from a local Git server and sync it. The demo
// must end synced, with the dev overlay applied.
func TestDemo(t *testing.T) {
	root, err := controlplane.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	d, err := demo.Start(t.Context(), kube, root)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Stop)
	revision, err := demo.WaitSynced(t.Context(), kube, timeout)
	if err != nil {
		t.Fatal(err)
	}
	g := NewWithT(t)
	g.Expect(revision).To(HavePrefix("main@sha1:"))
	cm := get(t, configMapKind, "podinfo-dev", "podinfo-config")
	g.Expect(cm).NotTo(BeNil(), "the demo did not apply the dev overlay")
	g.Expect(cm.GetLabels()).To(HaveKeyWithValue("env", "dev"))
	g.Expect(get(t, namespaceKind, "", "podinfo-production")).NotTo(BeNil(), "the demo did not apply infrastructure/")
}
