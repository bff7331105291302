package e2e

import (
	"fmt"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"

	"github.com/eddy-gitops/eddy/pkg/testenv"
)

// TestKubernetesEvents: kustomize-controller records Kubernetes Events of both types on a
// Kustomization (Normal and Warning events go through separate correlators, pkg/manager), and a
// failure repeated at each retry is counted on one Event rather than recorded anew.
func TestKubernetesEvents(t *testing.T) {
	s := seedCluster(t, "kevents", nil)
	apply(t, fmt.Sprintf(`apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: missing-path
  namespace: %s
spec:
  interval: 10m
  retryInterval: 1s
  path: ./does-not-exist
  prune: true
  sourceRef:
    kind: GitRepository
    name: seed
`, s.ns))

	events := func(g Gomega, name string) []corev1.Event {
		out, err := testenv.EventsFor(t.Context(), kube, kustomizationKind.kind, s.ns, name)
		g.Expect(err).NotTo(HaveOccurred())
		return out
	}
	g := NewWithT(t)
	// The seed's podinfo Kustomization applied its objects: a Normal event names them.
	g.Eventually(func(g Gomega) {
		var normal []string
		for _, e := range events(g, "podinfo") {
			if e.Type == corev1.EventTypeNormal {
				normal = append(normal, e.Message)
			}
		}
		g.Expect(normal).To(ContainElement(ContainSubstring("podinfo-config")))
	}).WithTimeout(timeout).WithPolling(poll).Should(Succeed())

	// The missing path fails at every retry with the same message: one Warning Event, counted.
	g.Eventually(func(g Gomega) {
		var warnings []corev1.Event
		for _, e := range events(g, "missing-path") {
			if e.Type == corev1.EventTypeWarning && strings.Contains(e.Message, "does-not-exist") {
				warnings = append(warnings, e)
			}
		}
		g.Expect(warnings).To(HaveLen(1), "one Event for the same failure")
		g.Expect(warnings[0].Count).To(BeNumerically(">=", 2), "the repeated failure is counted on the Event")
	}).WithTimeout(timeout).WithPolling(poll).Should(Succeed())
}
