package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	eventv1 "github.com/fluxcd/pkg/apis/event/v1beta1"
	"github.com/go-logr/logr"
	. "github.com/onsi/gomega"
)

// collector is a Dispatcher that hands every event to the test; block makes it stall, to fill
// the queue.
type collector struct {
	events chan *eventv1.Event
	block  chan struct{}
}

func (c *collector) Dispatch(ctx context.Context, e *eventv1.Event) {
	if c.block != nil {
		select {
		case <-c.block:
		case <-ctx.Done():
			return
		}
	}
	c.events <- e
}

// startServer runs an EventServer on 127.0.0.1 and returns its URL.
func startServer(t *testing.T, o Options, d Dispatcher) (string, *EventServer) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	o.Log = logr.Discard()
	s := New(o, d)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return "http://" + ln.Addr().String() + "/", s
}

func validEvent() eventv1.Event {
	return eventv1.Event{
		InvolvedObject: corev1ObjectRef("Kustomization", "webapp", "apps", "kustomize.toolkit.fluxcd.io/v1"),
		Severity:       eventv1.EventSeverityInfo,
		Message:        "Applied revision: main@sha1:abc",
		Reason:         "ReconciliationSucceeded",
		Metadata: map[string]string{
			"kustomize.toolkit.fluxcd.io/revision": "main@sha1:abc",
		},
		ReportingController: "kustomize-controller",
		ReportingInstance:   "kustomize-controller-1",
	}
}

func post(t *testing.T, url string, body []byte) (int, string) {
	t.Helper()
	resp, err := http.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatalf("POST: %v", err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	return resp.StatusCode, b.String()
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestEventServer_AcceptsAndCleansMetadata(t *testing.T) {
	g := NewWithT(t)
	c := &collector{events: make(chan *eventv1.Event, 10)}
	url, _ := startServer(t, Options{RateLimitInterval: time.Minute}, c)

	e := validEvent()
	e.Metadata = map[string]string{
		"kustomize.toolkit.fluxcd.io/revision":       "main@sha1:abc",
		"kustomize.toolkit.fluxcd.io/digest":         "sha256:123",
		"kustomize.toolkit.fluxcd.io/checksum":       "123",
		"kustomize.toolkit.fluxcd.io/token":          "t1",
		"kustomize.toolkit.fluxcd.io/originRevision": "v1@sha1:def",
		"event.toolkit.fluxcd.io/env":                "prod",
		"source.toolkit.fluxcd.io/revision":          "other group",
		"unprefixed":                                 "dropped",
	}
	code, _ := post(t, url, mustJSON(t, e))
	g.Expect(code).To(Equal(http.StatusAccepted))

	var got *eventv1.Event
	g.Eventually(c.events, 10*time.Second).Should(Receive(&got))
	g.Expect(got.Metadata).To(Equal(map[string]string{
		"kustomize.toolkit.fluxcd.io/revision":       "main@sha1:abc",
		"kustomize.toolkit.fluxcd.io/originRevision": "v1@sha1:def",
		"event.toolkit.fluxcd.io/env":                "prod",
	}))
	g.Expect(got.Message).To(Equal(e.Message))
	g.Expect(got.InvolvedObject).To(Equal(e.InvolvedObject))
}

func TestEventServer_RejectsBadInput(t *testing.T) {
	c := &collector{events: make(chan *eventv1.Event, 10)}
	url, _ := startServer(t, Options{RateLimitInterval: time.Minute}, c)

	without := func(mutate func(e *eventv1.Event)) []byte {
		e := validEvent()
		mutate(&e)
		return mustJSON(t, e)
	}
	tests := []struct {
		name     string
		body     []byte
		wantCode int
		wantBody string
	}{
		{"not JSON", []byte("{nope"), http.StatusBadRequest, "invalid event JSON"},
		{"empty body", nil, http.StatusBadRequest, "invalid event JSON"},
		{"two values", append(mustJSON(t, validEvent()), []byte(`{}`)...), http.StatusBadRequest, "more than one value"},
		{"wrong type", []byte(`{"message": 3}`), http.StatusBadRequest, "invalid event JSON"},
		{"no kind", without(func(e *eventv1.Event) { e.InvolvedObject.Kind = "" }), http.StatusBadRequest, "involvedObject.kind"},
		{"no name", without(func(e *eventv1.Event) { e.InvolvedObject.Name = "" }), http.StatusBadRequest, "involvedObject.name"},
		{"no namespace", without(func(e *eventv1.Event) { e.InvolvedObject.Namespace = "" }), http.StatusBadRequest, "involvedObject.namespace"},
		{"no apiVersion", without(func(e *eventv1.Event) { e.InvolvedObject.APIVersion = "" }), http.StatusBadRequest, "involvedObject.apiVersion"},
		{"no severity", without(func(e *eventv1.Event) { e.Severity = "" }), http.StatusBadRequest, "severity"},
		{"bad severity", without(func(e *eventv1.Event) { e.Severity = "fatal" }), http.StatusBadRequest, `got "fatal"`},
		{"no message", without(func(e *eventv1.Event) { e.Message = " " }), http.StatusBadRequest, "message"},
		{"no reason", without(func(e *eventv1.Event) { e.Reason = "" }), http.StatusBadRequest, "reason"},
		{"no controller", without(func(e *eventv1.Event) { e.ReportingController = "" }), http.StatusBadRequest, "reportingController"},
		{"message too long", without(func(e *eventv1.Event) { e.Message = strings.Repeat("x", 39001) }), http.StatusBadRequest, "limit is 39000"},
		{"over 3 MiB", append([]byte(`{"message":"`), bytes.Repeat([]byte("x"), MaxBodyBytes)...), http.StatusRequestEntityTooLarge, "larger than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			code, body := post(t, url, tt.body)
			g.Expect(code).To(Equal(tt.wantCode))
			g.Expect(body).To(ContainSubstring(tt.wantBody))
		})
	}
	// Nothing invalid reached the dispatcher.
	NewWithT(t).Expect(c.events).To(BeEmpty())

	t.Run("GET is not allowed", func(t *testing.T) {
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		NewWithT(t).Expect(resp.StatusCode).To(Equal(http.StatusMethodNotAllowed))
	})
	t.Run("oversized headers", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(mustJSON(t, validEvent())))
		req.Header.Set("X-Big", strings.Repeat("h", MaxHeaderBytes+4096))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		NewWithT(t).Expect(resp.StatusCode).To(Equal(http.StatusRequestHeaderFieldsTooLarge))
	})
}

func TestEventServer_Deduplicates(t *testing.T) {
	g := NewWithT(t)
	c := &collector{events: make(chan *eventv1.Event, 10)}
	url, _ := startServer(t, Options{RateLimitInterval: time.Hour}, c)

	withMeta := func(key, value string) []byte {
		e := validEvent()
		e.Metadata = map[string]string{"kustomize.toolkit.fluxcd.io/" + key: value}
		return mustJSON(t, e)
	}
	steps := []struct {
		name string
		body []byte
		want int
	}{
		{"first", withMeta("revision", "r1"), http.StatusAccepted},
		{"same again", withMeta("revision", "r1"), http.StatusTooManyRequests},
		{"new revision", withMeta("revision", "r2"), http.StatusAccepted},
		{"new token", withMeta("token", "t1"), http.StatusAccepted},
		{"same token", withMeta("token", "t1"), http.StatusTooManyRequests},
		{"digest does not count", withMeta("digest", "d1"), http.StatusAccepted},
		{"another digest is the same event", withMeta("digest", "d2"), http.StatusTooManyRequests},
	}
	for _, s := range steps {
		code, _ := post(t, url, s.body)
		g.Expect(code).To(Equal(s.want), s.name)
	}
	for range 4 {
		g.Eventually(c.events, 10*time.Second).Should(Receive())
	}
	g.Consistently(c.events).ShouldNot(Receive())
}

func TestEventServer_FullQueueAnswers503AndForgets(t *testing.T) {
	g := NewWithT(t)
	c := &collector{events: make(chan *eventv1.Event, 10), block: make(chan struct{})}
	url, s := startServer(t, Options{RateLimitInterval: time.Hour, QueueSize: 1, Workers: 1}, c)

	body := func(i int) []byte {
		e := validEvent()
		e.Message = fmt.Sprintf("message %d", i)
		return mustJSON(t, e)
	}
	// Event 0 is taken by the (blocked) worker, event 1 fills the queue.
	code, _ := post(t, url, body(0))
	g.Expect(code).To(Equal(http.StatusAccepted))
	g.Eventually(s.Pending, 10*time.Second).Should(Equal(0))
	code, _ = post(t, url, body(1))
	g.Expect(code).To(Equal(http.StatusAccepted))

	code, _ = post(t, url, body(2))
	g.Expect(code).To(Equal(http.StatusServiceUnavailable))

	close(c.block)
	for range 2 {
		g.Eventually(c.events, 10*time.Second).Should(Receive())
	}
	// The rejected event was not remembered: its retry is accepted, not a 429.
	code, _ = post(t, url, body(2))
	g.Expect(code).To(Equal(http.StatusAccepted))
	g.Eventually(c.events, 10*time.Second).Should(Receive())
}

func TestEventServer_TraceIsAcceptedNotDispatched(t *testing.T) {
	g := NewWithT(t)
	c := &collector{events: make(chan *eventv1.Event, 10)}
	url, _ := startServer(t, Options{RateLimitInterval: time.Hour}, c)
	e := validEvent()
	e.Severity = eventv1.EventSeverityTrace
	code, _ := post(t, url, mustJSON(t, e))
	g.Expect(code).To(Equal(http.StatusAccepted))
	e2 := validEvent()
	e2.Message = "a different message"
	code, _ = post(t, url, mustJSON(t, e2))
	g.Expect(code).To(Equal(http.StatusAccepted))
	var got *eventv1.Event
	g.Eventually(c.events, 10*time.Second).Should(Receive(&got))
	g.Expect(got.Severity).To(Equal(eventv1.EventSeverityInfo))
}
