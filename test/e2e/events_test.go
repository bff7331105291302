package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	eventv1 "github.com/fluxcd/pkg/apis/event/v1beta1"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// delivery is one request the alert webhook received.
type delivery struct {
	component string // the Gotk-Component header
	event     eventv1.Event
}

// alertSink is a generic webhook on 127.0.0.1 that records what notification-controller sends.
type alertSink struct {
	mu         sync.Mutex
	deliveries []delivery
	malformed  []string
}

func (s *alertSink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var e eventv1.Event
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.Header.Get("Content-Type") != "application/json" || json.Unmarshal(body, &e) != nil {
		s.malformed = append(s.malformed, fmt.Sprintf("%s %q", r.Header.Get("Content-Type"), body))
	} else {
		s.deliveries = append(s.deliveries, delivery{component: r.Header.Get("Gotk-Component"), event: e})
	}
	w.WriteHeader(http.StatusOK)
}

func (s *alertSink) snapshot() ([]delivery, []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]delivery(nil), s.deliveries...), append([]string(nil), s.malformed...)
}

// TestEventsToAlert: the controllers POST their events to notification-controller, which matches
// them against an Alert and forwards them to a generic Provider in Flux's format: the event JSON
// with prefix-stripped metadata and the Gotk-Component header.
func TestEventsToAlert(t *testing.T) {
	sink := &alertSink{}
	srv := httptest.NewServer(sink)
	t.Cleanup(srv.Close)

	s := seedCluster(t, "alert", func(ns string) {
		apply(t, fmt.Sprintf(`apiVersion: notification.toolkit.fluxcd.io/v1beta3
kind: Provider
metadata:
  name: webhook
  namespace: %[1]s
spec:
  type: generic
  address: %[2]s
---
apiVersion: notification.toolkit.fluxcd.io/v1beta3
kind: Alert
metadata:
  name: all
  namespace: %[1]s
spec:
  providerRef:
    name: webhook
  eventSeverity: info
  eventSources:
    - kind: GitRepository
      name: "*"
    - kind: Kustomization
      name: "*"
`, ns, srv.URL))
		// Alerts and Providers v1beta3 have no status (as in Flux), so nothing says when
		// notification-controller's cache has them. Probe instead: post events of our own
		// until one reaches the webhook, and only then create the Flux objects.
		waitForAlert(t, ns, sink)
	})
	g := NewWithT(t)

	// Each expected event: the involved kind and name, the reason, the component header, and a
	// message fragment; every one carries the artifact revision under the stripped key.
	want := []struct{ kind, name, reason, component, message string }{
		{"GitRepository", "seed", "NewArtifact", "source-controller", "stored artifact for commit"},
		{"Kustomization", "podinfo", "Progressing", "kustomize-controller", "ConfigMap/" + s.appNS + "/podinfo-config created"},
		{"Kustomization", "infrastructure", "Progressing", "kustomize-controller", "Namespace/" + s.appNS + " created"},
	}
	g.Eventually(func(g Gomega) {
		got, malformed := sink.snapshot()
		g.Expect(malformed).To(BeEmpty(), "the provider received requests that are not event JSON")
		for _, w := range want {
			g.Expect(got).To(ContainElement(Satisfy(func(d delivery) bool {
				e := d.event
				return e.InvolvedObject.Kind == w.kind && e.InvolvedObject.Name == w.name &&
					e.InvolvedObject.Namespace == s.ns && e.Reason == w.reason && d.component == w.component &&
					e.ReportingController == w.component && e.Severity == eventv1.EventSeverityInfo &&
					e.Metadata["revision"] == s.revision && strings.Contains(e.Message, w.message)
			})), "no %s event %s for %s/%s among %d deliveries:\n%s", w.reason, w.message, w.kind, w.name, len(got), describe(got))
		}
	}).WithTimeout(timeout).WithPolling(poll).Should(Succeed())

	// Metadata keys reach the provider without their group prefix, and the digest and token
	// keys notification-controller drops are not forwarded.
	got, _ := sink.snapshot()
	for _, d := range got {
		for key := range d.event.Metadata {
			g.Expect(key).NotTo(ContainSubstring("toolkit.fluxcd.io/"), "metadata key of %s/%s %s kept its prefix", d.event.InvolvedObject.Kind, d.event.InvolvedObject.Name, d.event.Reason)
			g.Expect(key).NotTo(BeElementOf("digest", "token", "checksum"))
		}
	}
}

// waitForAlert posts probe events for a Kustomization in ns to the events endpoint until the
// sink receives one, which proves the Alert and Provider are in notification-controller's cache.
func waitForAlert(t *testing.T, ns string, sink *alertSink) {
	t.Helper()
	g := NewWithT(t)
	n := 0
	g.Eventually(func(g Gomega) {
		n++
		probe := eventv1.Event{
			InvolvedObject: corev1.ObjectReference{Kind: "Kustomization", Namespace: ns, Name: "probe",
				APIVersion: "kustomize.toolkit.fluxcd.io/v1"},
			Severity: eventv1.EventSeverityInfo, Timestamp: metav1.Now(), Reason: "Probe",
			Message:             fmt.Sprintf("probe %d", n), // unique, so the rate limiter lets it through
			ReportingController: "e2e",
		}
		body, err := json.Marshal(probe)
		g.Expect(err).NotTo(HaveOccurred())
		resp, err := http.Post("http://"+env.EventsAddr+"/", "application/json", bytes.NewReader(body))
		g.Expect(err).NotTo(HaveOccurred())
		_ = resp.Body.Close()
		g.Expect(resp.StatusCode).To(Equal(http.StatusAccepted))
		got, _ := sink.snapshot()
		g.Expect(got).To(ContainElement(Satisfy(func(d delivery) bool { return d.event.Reason == "Probe" })))
	}).WithTimeout(timeout).WithPolling(time.Second).Should(Succeed())
}

func describe(ds []delivery) string {
	var out string
	for _, d := range ds {
		out += fmt.Sprintf("  %s %s/%s %s [%s] %v %q\n", d.component, d.event.InvolvedObject.Kind, d.event.InvolvedObject.Name, d.event.Reason, d.event.Severity, d.event.Metadata, d.event.Message)
	}
	return out
}
