package dispatch

import (
	"context"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/fluxcd/pkg/runtime/events"
	"github.com/go-logr/logr"
	"github.com/go-logr/logr/funcr"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	kustomizev1 "github.com/eddy-gitops/eddy/api/kustomize/v1"
	"github.com/eddy-gitops/eddy/notification-controller/internal/server"
)

// TestEndToEnd_RecorderToGenericWebhook runs the whole path: another controller's recorder
// (fluxcd/pkg/runtime/events, as in pkg/manager) POSTs to the event server over HTTP, the server
// accepts it, the dispatcher matches a real Alert and the generic webhook receives the payload.
func TestEndToEnd_RecorderToGenericWebhook(t *testing.T) {
	g := NewWithT(t)
	ns := env.CreateNamespace(t, "e2e")
	h := newHooks(t)
	env.CreateAndWait(t, provider(ns, "hook", "generic", h.URL+"/e2e"))
	env.CreateAndWait(t, alert(ns, "hook", "hook"))

	ks := &kustomizev1.Kustomization{
		ObjectMeta: metav1.ObjectMeta{Name: "webapp", Namespace: ns,
			Annotations: map[string]string{"event.toolkit.fluxcd.io/team": "platform"}},
		Spec: kustomizev1.KustomizationSpec{
			Interval:  metav1.Duration{Duration: time.Minute},
			SourceRef: kustomizev1.CrossNamespaceSourceReference{Kind: "GitRepository", Name: "repo"},
		},
	}
	g.Expect(env.Client.Create(t.Context(), ks)).To(Succeed())

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	g.Expect(err).NotTo(HaveOccurred())
	srv := server.New(server.Options{RateLimitInterval: time.Minute, Log: logr.Discard()}, newDispatcher(false))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() { cancel(); <-done })

	quiet := funcr.New(func(string, string) {}, funcr.Options{})
	rec, err := events.NewRecorder(quiet, "http://"+ln.Addr().String()+"/", "kustomize-controller", events.WithScheme(env.Scheme))
	g.Expect(err).NotTo(HaveOccurred())
	rec.AnnotatedEventf(ks, nil, map[string]string{
		"kustomize.toolkit.fluxcd.io/revision": "main@sha1:0123456789abcdef0123456789abcdef01234567",
		"kustomize.toolkit.fluxcd.io/token":    "t-1",
	}, corev1.EventTypeNormal, "ReconciliationSucceeded", "", "Applied revision: %s", "main@sha1:0123456789abcdef0123456789abcdef01234567")

	g.Eventually(h.count("/e2e"), 30*time.Second).Should(Equal(1))
	got := h.deliveries("/e2e")[0]
	g.Expect(got.Header.Get("Gotk-Component")).To(Equal("kustomize-controller"))
	g.Expect(got.Header.Get("Content-Type")).To(Equal("application/json"))
	// The recorder fills timestamp, uid, resourceVersion and the instance name: compare them
	// through a template filled from what the webhook received.
	var sent map[string]any
	g.Expect(jsonUnmarshal(got.Body, &sent)).To(Succeed())
	obj := sent["involvedObject"].(map[string]any)
	g.Expect(got.Body).To(MatchJSON(fmt.Sprintf(`{
	  "involvedObject":{"kind":"Kustomization","namespace":%q,"name":"webapp","uid":%q,"apiVersion":"kustomize.toolkit.fluxcd.io/v1","resourceVersion":%q},
	  "severity":"info","timestamp":%q,"message":"Applied revision: main@sha1:0123456789abcdef0123456789abcdef01234567",
	  "reason":"ReconciliationSucceeded",
	  "metadata":{"revision":"main@sha1:0123456789abcdef0123456789abcdef01234567","team":"platform"},
	  "reportingController":"kustomize-controller","reportingInstance":%q}`,
		ns, obj["uid"], obj["resourceVersion"], sent["timestamp"], sent["reportingInstance"])))
	g.Expect(obj["uid"]).To(Equal(string(ks.UID)))
}
