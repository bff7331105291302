package dispatch

import (
	"context"
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
	"github.com/fluxcd/pkg/apis/meta"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	kustomizev1 "github.com/eddy-gitops/eddy/api/kustomize/v1"
	notifv1 "github.com/eddy-gitops/eddy/api/notification/v1"
	notifv1beta3 "github.com/eddy-gitops/eddy/api/notification/v1beta3"
	"github.com/eddy-gitops/eddy/notification-controller/internal/controller/controllertest"
)

// hooks is a real HTTP server on 127.0.0.1 whose paths are separate webhooks. Paths starting
// with /fail answer 500, /slow/ blocks until release is closed.
type hooks struct {
	*httptest.Server
	mu      sync.Mutex
	got     map[string][]delivery
	release chan struct{}
}

type delivery struct {
	Header http.Header
	Body   string
}

func newHooks(t *testing.T) *hooks {
	h := &hooks{got: map[string][]delivery{}, release: make(chan struct{})}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/slow/") {
			select {
			case <-h.release:
			case <-r.Context().Done():
				return
			}
		}
		body, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		h.got[r.URL.Path] = append(h.got[r.URL.Path], delivery{r.Header.Clone(), string(body)})
		h.mu.Unlock()
		if strings.HasPrefix(r.URL.Path, "/fail") {
			w.WriteHeader(http.StatusInternalServerError)
		}
	}))
	t.Cleanup(func() {
		select {
		case <-h.release:
		default:
			close(h.release)
		}
		h.Close()
	})
	return h
}

func (h *hooks) deliveries(path string) []delivery {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]delivery(nil), h.got[path]...)
}

func (h *hooks) count(path string) func() int {
	return func() int { return len(h.deliveries(path)) }
}

func provider(ns, name, typ, address string, mutate ...func(*notifv1beta3.ProviderSpec)) *notifv1beta3.Provider {
	p := &notifv1beta3.Provider{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec:       notifv1beta3.ProviderSpec{Type: typ, Address: address},
	}
	for _, m := range mutate {
		m(&p.Spec)
	}
	return p
}

func alert(ns, name, providerName string, mutate ...func(*notifv1beta3.AlertSpec)) *notifv1beta3.Alert {
	a := &notifv1beta3.Alert{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: notifv1beta3.AlertSpec{
			ProviderRef:  meta.LocalObjectReference{Name: providerName},
			EventSources: []notifv1.CrossNamespaceObjectReference{{Kind: "Kustomization", Name: "*"}},
		},
	}
	for _, m := range mutate {
		m(&a.Spec)
	}
	return a
}

func kustomizationEvent(ns, name, severity, message string) *eventv1.Event {
	return &eventv1.Event{
		InvolvedObject: corev1.ObjectReference{Kind: "Kustomization", Namespace: ns, Name: name,
			APIVersion: "kustomize.toolkit.fluxcd.io/v1", UID: "uid-1"},
		Severity:  severity,
		Timestamp: metav1.NewTime(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)),
		Message:   message,
		Reason:    "ReconciliationSucceeded",
		Metadata: map[string]string{
			"kustomize.toolkit.fluxcd.io/revision": "main@sha1:0123456789abcdef0123456789abcdef01234567",
			"event.toolkit.fluxcd.io/team":         "platform",
		},
		ReportingController: "kustomize-controller",
	}
}

// warnings returns "reason: message" of the Warning events on the Alert.
func warnings(ctx context.Context, ns, alertName string) func() []string {
	return controllertest.Warnings(ctx, env.Client, notifv1beta3.AlertKind, ns, alertName)
}

func TestDispatch_GenericWebhookGetsMergedPayload(t *testing.T) {
	g := NewWithT(t)
	ns := env.CreateNamespace(t, "dispatch-generic")
	h := newHooks(t)
	env.CreateAndWait(t, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "hook-secret", Namespace: ns},
		StringData: map[string]string{
			"address": h.URL + "/from-secret",
			"headers": "X-Api-Key: k123\nX-Team: platform\n",
		},
	})
	env.CreateAndWait(t, provider(ns, "hook", "generic", h.URL+"/ignored", func(s *notifv1beta3.ProviderSpec) {
		s.SecretRef = &meta.LocalObjectReference{Name: "hook-secret"}
	}))
	env.CreateAndWait(t, alert(ns, "all", "hook", func(s *notifv1beta3.AlertSpec) {
		s.EventMetadata = map[string]string{"cluster": "eu-1"}
		s.Summary = "prod apps"
	}))

	d := newDispatcher(false)
	d.Dispatch(t.Context(), kustomizationEvent(ns, "webapp", "info", "Applied revision"))
	d.Wait()

	got := h.deliveries("/from-secret")
	g.Expect(got).To(HaveLen(1))
	g.Expect(got[0].Header.Get("Gotk-Component")).To(Equal("kustomize-controller"))
	g.Expect(got[0].Header.Get("X-Api-Key")).To(Equal("k123"))
	g.Expect(got[0].Header.Get("X-Team")).To(Equal("platform"))
	g.Expect(got[0].Body).To(MatchJSON(fmt.Sprintf(`{
	  "involvedObject":{"kind":"Kustomization","namespace":%q,"name":"webapp","uid":"uid-1","apiVersion":"kustomize.toolkit.fluxcd.io/v1"},
	  "severity":"info","timestamp":"2026-01-01T00:00:00Z","message":"Applied revision","reason":"ReconciliationSucceeded",
	  "metadata":{"revision":"main@sha1:0123456789abcdef0123456789abcdef01234567","team":"platform","cluster":"eu-1","summary":"prod apps"},
	  "reportingController":"kustomize-controller"}`, ns)))
	g.Expect(h.deliveries("/ignored")).To(BeEmpty())
}

func TestDispatch_AlertMatching(t *testing.T) {
	ns := env.CreateNamespace(t, "dispatch-match")
	other := env.CreateNamespace(t, "dispatch-other")
	h := newHooks(t)
	ks := &kustomizev1.Kustomization{
		ObjectMeta: metav1.ObjectMeta{Name: "labelled", Namespace: ns, Labels: map[string]string{"team": "a"}},
		Spec: kustomizev1.KustomizationSpec{
			Interval:  metav1.Duration{Duration: time.Minute},
			SourceRef: kustomizev1.CrossNamespaceSourceReference{Kind: "GitRepository", Name: "repo"},
		},
	}
	g := NewWithT(t)
	g.Expect(env.Client.Create(t.Context(), ks)).To(Succeed())

	// One Provider (and webhook path) per Alert, so each Alert's deliveries are counted alone.
	alerts := map[string]func(*notifv1beta3.AlertSpec){
		"wildcard":      nil,
		"by-name":       func(s *notifv1beta3.AlertSpec) { s.EventSources[0].Name = "webapp" },
		"other-name":    func(s *notifv1beta3.AlertSpec) { s.EventSources[0].Name = "api" },
		"other-kind":    func(s *notifv1beta3.AlertSpec) { s.EventSources[0].Kind = "GitRepository" },
		"errors-only":   func(s *notifv1beta3.AlertSpec) { s.EventSeverity = "error" },
		"include":       func(s *notifv1beta3.AlertSpec) { s.InclusionList = []string{"^Applied"} },
		"exclude":       func(s *notifv1beta3.AlertSpec) { s.ExclusionList = []string{"revision"} },
		"suspended":     func(s *notifv1beta3.AlertSpec) { s.Suspend = true },
		"labels-match":  func(s *notifv1beta3.AlertSpec) { s.EventSources[0].MatchLabels = map[string]string{"team": "a"} },
		"labels-differ": func(s *notifv1beta3.AlertSpec) { s.EventSources[0].MatchLabels = map[string]string{"team": "b"} },
	}
	for name, mutate := range alerts {
		env.CreateAndWait(t, provider(ns, name, "generic", h.URL+"/"+name))
		if mutate == nil {
			env.CreateAndWait(t, alert(ns, name, name))
		} else {
			env.CreateAndWait(t, alert(ns, name, name, mutate))
		}
	}
	// An Alert in another namespace watching this one, and a suspended Provider.
	env.CreateAndWait(t, provider(other, "cross", "generic", h.URL+"/cross"))
	env.CreateAndWait(t, alert(other, "cross", "cross", func(s *notifv1beta3.AlertSpec) { s.EventSources[0].Namespace = ns }))
	env.CreateAndWait(t, provider(ns, "paused", "generic", h.URL+"/paused", func(s *notifv1beta3.ProviderSpec) { s.Suspend = true }))
	env.CreateAndWait(t, alert(ns, "paused", "paused"))

	tests := []struct {
		name    string
		event   *eventv1.Event
		noCross bool
		want    []string
	}{
		{
			name:  "info event about webapp",
			event: kustomizationEvent(ns, "webapp", "info", "Applied revision"),
			want:  []string{"/wildcard", "/by-name", "/include", "/cross"},
		},
		{
			name:  "error event about webapp",
			event: kustomizationEvent(ns, "webapp", "error", "Health check failed"),
			want:  []string{"/wildcard", "/by-name", "/errors-only", "/exclude", "/cross"},
		},
		{
			name:  "labelled object",
			event: kustomizationEvent(ns, "labelled", "info", "Applied revision"),
			want:  []string{"/wildcard", "/include", "/labels-match", "/cross"},
		},
		{
			name:    "no cross-namespace refs",
			event:   kustomizationEvent(ns, "webapp", "info", "Applied revision"),
			noCross: true,
			want:    []string{"/wildcard", "/by-name", "/include"},
		},
	}
	all := []string{"/wildcard", "/by-name", "/other-name", "/other-kind", "/errors-only", "/include", "/exclude",
		"/suspended", "/labels-match", "/labels-differ", "/cross", "/paused"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			before := map[string]int{}
			for _, p := range all {
				before[p] = len(h.deliveries(p))
			}
			d := newDispatcher(tt.noCross)
			d.Dispatch(t.Context(), tt.event)
			d.Wait()
			var got []string
			for _, p := range all {
				if len(h.deliveries(p)) > before[p] {
					got = append(got, p)
				}
			}
			g.Expect(got).To(ConsistOf(tt.want))
		})
	}
}

func TestDispatch_SlowProviderDoesNotBlockOthers(t *testing.T) {
	g := NewWithT(t)
	ns := env.CreateNamespace(t, "dispatch-slow")
	h := newHooks(t)
	env.CreateAndWait(t, provider(ns, "slow", "generic", h.URL+"/slow/x", func(s *notifv1beta3.ProviderSpec) {
		s.Timeout = &metav1.Duration{Duration: time.Minute}
	}))
	env.CreateAndWait(t, provider(ns, "fast", "generic", h.URL+"/fast"))
	env.CreateAndWait(t, alert(ns, "slow", "slow"))
	env.CreateAndWait(t, alert(ns, "fast", "fast"))

	d := newDispatcher(false)
	for i := range 5 {
		d.Dispatch(t.Context(), kustomizationEvent(ns, "webapp", "info", fmt.Sprint("event ", i)))
	}
	// Every fast delivery lands while all slow ones are still held by the server.
	g.Eventually(h.count("/fast"), 30*time.Second).Should(Equal(5))
	g.Expect(h.deliveries("/slow/x")).To(BeEmpty())
	close(h.release)
	d.Wait()
	g.Expect(h.deliveries("/slow/x")).To(HaveLen(5))
}

func TestDispatch_FailuresBecomeWarningEvents(t *testing.T) {
	ns := env.CreateNamespace(t, "dispatch-fail")
	h := newHooks(t)
	env.CreateAndWait(t, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "bad-headers", Namespace: ns},
		StringData: map[string]string{"headers": "- not\n- a map\n"},
	})
	env.CreateAndWait(t, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "secret-url", Namespace: ns},
		StringData: map[string]string{"address": h.URL + "/fail/SECRET-TOKEN-PATH"},
	})
	env.CreateAndWait(t, provider(ns, "failing", "slack", "", func(s *notifv1beta3.ProviderSpec) {
		s.SecretRef = &meta.LocalObjectReference{Name: "secret-url"}
	}))
	env.CreateAndWait(t, provider(ns, "unsupported", "pagerduty", h.URL))
	env.CreateAndWait(t, provider(ns, "no-secret", "generic", h.URL, func(s *notifv1beta3.ProviderSpec) {
		s.SecretRef = &meta.LocalObjectReference{Name: "missing"}
	}))
	env.CreateAndWait(t, provider(ns, "bad-headers", "generic", h.URL, func(s *notifv1beta3.ProviderSpec) {
		s.SecretRef = &meta.LocalObjectReference{Name: "bad-headers"}
	}))
	env.CreateAndWait(t, provider(ns, "conflict", "generic", h.URL+"/conflict"))

	tests := []struct {
		alert *notifv1beta3.Alert
		want  string
	}{
		{alert(ns, "failing", "failing"), "NotificationDispatchFailed: failed to send notification for Kustomization/" + ns + "/webapp via Provider \"failing\": POST http://127.0.0.1"},
		{alert(ns, "unsupported", "unsupported"), `InvalidConfig: Provider "unsupported": provider type "pagerduty" is not supported yet`},
		{alert(ns, "no-provider", "nope"), `InvalidConfig: Provider "nope" not found`},
		{alert(ns, "no-secret", "no-secret"), `InvalidConfig: Provider "no-secret": Secret "missing" referenced by spec.secretRef not found`},
		{alert(ns, "bad-headers", "bad-headers"), `InvalidConfig: Provider "bad-headers": invalid headers key in Secret "bad-headers" (spec.secretRef): must be a YAML map of strings`},
		{alert(ns, "bad-regex", "conflict", func(s *notifv1beta3.AlertSpec) { s.InclusionList = []string{"("} }), `InvalidConfig: invalid inclusionList expression "("`},
		{alert(ns, "conflict", "conflict", func(s *notifv1beta3.AlertSpec) { s.EventMetadata = map[string]string{"revision": "x"} }), "MetadataAppendFailed: metadata keys revision are set by more than one source"},
	}
	for _, tt := range tests {
		env.CreateAndWait(t, tt.alert)
	}
	d := newDispatcher(false)
	d.Dispatch(t.Context(), kustomizationEvent(ns, "webapp", "info", "Applied revision"))
	d.Wait()

	for _, tt := range tests {
		t.Run(tt.alert.Name, func(t *testing.T) {
			g := NewWithT(t)
			g.Eventually(warnings(t.Context(), ns, tt.alert.Name), 30*time.Second).Should(ContainElement(HavePrefix(tt.want)))
			for _, w := range warnings(t.Context(), ns, tt.alert.Name)() {
				g.Expect(w).NotTo(ContainSubstring("SECRET-TOKEN-PATH"))
			}
		})
	}
	// The failing endpoint was tried with retries, and the conflicting Alert still delivered.
	g := NewWithT(t)
	g.Expect(h.deliveries("/fail/SECRET-TOKEN-PATH")).To(HaveLen(1 + testRetry.Max))
	conflict := h.deliveries("/conflict")
	g.Expect(conflict).To(HaveLen(1))
	var sent eventv1.Event
	g.Expect(json.Unmarshal([]byte(conflict[0].Body), &sent)).To(Succeed())
	g.Expect(sent.Metadata).To(HaveKeyWithValue("revision", "main@sha1:0123456789abcdef0123456789abcdef01234567"))
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }
