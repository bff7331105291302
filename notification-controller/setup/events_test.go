package setup

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	eventv1 "github.com/fluxcd/pkg/apis/event/v1beta1"
	"github.com/fluxcd/pkg/apis/meta"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	notifv1 "github.com/eddy-gitops/eddy/api/notification/v1"
	notifv1beta3 "github.com/eddy-gitops/eddy/api/notification/v1beta3"
)

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// TestSetup_EventToGenericWebhook: the controller as main.go wires it accepts an event on
// --events-addr and delivers it through an Alert and a generic Provider.
func TestSetup_EventToGenericWebhook(t *testing.T) {
	g := NewWithT(t)
	got := make(chan string, 1)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- string(b)
	}))
	defer hook.Close()

	ns := env.CreateNamespace(t, "setup")
	env.CreateAndWait(t, &notifv1beta3.Provider{
		ObjectMeta: metav1.ObjectMeta{Name: "hook", Namespace: ns},
		Spec:       notifv1beta3.ProviderSpec{Type: "generic", Address: hook.URL},
	})
	env.CreateAndWait(t, &notifv1beta3.Alert{
		ObjectMeta: metav1.ObjectMeta{Name: "hook", Namespace: ns},
		Spec: notifv1beta3.AlertSpec{
			ProviderRef:  meta.LocalObjectReference{Name: "hook"},
			EventSources: []notifv1.CrossNamespaceObjectReference{{Kind: "GitRepository", Name: "*"}},
		},
	})

	e := eventv1.Event{
		InvolvedObject: corev1.ObjectReference{Kind: "GitRepository", Namespace: ns, Name: "repo", APIVersion: "source.toolkit.fluxcd.io/v1"},
		Severity:       "info", Timestamp: metav1.Now(), Message: "stored artifact", Reason: "NewArtifact",
		Metadata:            map[string]string{"source.toolkit.fluxcd.io/revision": "main@sha1:abc", "source.toolkit.fluxcd.io/digest": "sha256:x"},
		ReportingController: "source-controller",
	}
	body, _ := json.Marshal(e)
	// The server starts with the manager; retry the POST until it listens.
	g.Eventually(func() int {
		resp, err := http.Post(eventsURL, "application/json", bytes.NewReader(body))
		if err != nil {
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}, 30*time.Second).Should(Equal(http.StatusAccepted))

	var delivered string
	g.Eventually(got, 30*time.Second).Should(Receive(&delivered))
	var sent eventv1.Event
	g.Expect(json.Unmarshal([]byte(delivered), &sent)).To(Succeed())
	g.Expect(sent.Message).To(Equal("stored artifact"))
	g.Expect(sent.Metadata).To(Equal(map[string]string{"revision": "main@sha1:abc"}))

	// The Provider and Alert reconcilers run too: both get the finalizer.
	g.Eventually(func() []string {
		var a notifv1beta3.Alert
		_ = env.Client.Get(t.Context(), client.ObjectKey{Namespace: ns, Name: "hook"}, &a)
		return a.Finalizers
	}, 30*time.Second).Should(ContainElement("finalizers.fluxcd.io"))
}

func metav1ObjectKey(ns, name string) client.ObjectKey {
	return client.ObjectKey{Namespace: ns, Name: name}
}
