package manager

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	eventv1 "github.com/fluxcd/pkg/apis/event/v1beta1"
	"github.com/fluxcd/pkg/runtime/events"
	"github.com/go-logr/logr/testr"
	. "github.com/onsi/gomega"
	"github.com/prometheus/client_golang/prometheus/testutil"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/record"
)

// eventEndpoint is a notification-controller stand-in: a real HTTP server that decodes each
// POSTed event and answers only when the test lets it.
type eventEndpoint struct {
	url     string
	mu      sync.Mutex
	got     []eventv1.Event
	arrived chan struct{} // one value per request, when it arrives
	release chan struct{} // closed to let every request be answered
}

func newEventEndpoint(t *testing.T) *eventEndpoint {
	e := &eventEndpoint{arrived: make(chan struct{}, 100), release: make(chan struct{})}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ev eventv1.Event
		if err := json.NewDecoder(r.Body).Decode(&ev); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		e.arrived <- struct{}{}
		<-e.release
		e.mu.Lock()
		e.got = append(e.got, ev)
		e.mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() {
		select {
		case <-e.release:
		default:
			close(e.release)
		}
	})
	e.url = srv.URL
	return e
}

func (e *eventEndpoint) events() []eventv1.Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]eventv1.Event(nil), e.got...)
}

// startAsyncRecorder returns an asyncRecorder posting to url with a queue of size, its sender
// running until the test ends or stop is called, and the fake Kubernetes recorder behind it.
func startAsyncRecorder(t *testing.T, url string, size int) (_ *asyncRecorder, _ *record.FakeRecorder, stop func()) {
	scheme := clientgoscheme.Scheme
	log := testr.New(t) // the Flux recorder asks its logger's sink for the trace level
	fake := record.NewFakeRecorder(100)
	kube, err := events.NewRecorder(log, "", "test-controller", events.WithScheme(scheme), events.WithLegacyEventRecorder(fake))
	if err != nil {
		t.Fatal(err)
	}
	post, err := events.NewRecorder(log, url, "test-controller", events.WithScheme(scheme))
	if err != nil {
		t.Fatal(err)
	}
	r := newAsyncRecorder(log, kube, post, scheme, size)
	var once sync.Once
	stopSender := r.start()
	stop = func() { once.Do(stopSender) }
	t.Cleanup(stop)
	return r, fake, stop
}

func configMapObject(rev string) *corev1.ConfigMap {
	return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "app", Namespace: "apps", ResourceVersion: "7",
		Annotations: map[string]string{eventv1.Group + "/revision": rev}}}
}

// TestAsyncRecorder_DoesNotWaitForTheEndpoint: recording an event returns while the events
// endpoint has not answered; the endpoint then gets every event but traces, in order, as the
// object was when it was recorded, and the Kubernetes Events were recorded at once.
func TestAsyncRecorder_DoesNotWaitForTheEndpoint(t *testing.T) {
	g := NewWithT(t)
	endpoint := newEventEndpoint(t)
	r, fake, _ := startAsyncRecorder(t, endpoint.url, 8)
	obj := configMapObject("main@sha1:1111")

	recorded := make(chan struct{})
	go func() {
		// A trace event is a Kubernetes Event only, as with the Flux recorder.
		r.Eventf(obj, nil, eventv1.EventTypeTrace, "Traced", "Traced", "not posted")
		for i, reason := range []string{"First", "Second", "Third"} {
			r.AnnotatedEventf(obj, nil, map[string]string{"index": string(rune('0' + i))}, corev1.EventTypeNormal, reason, reason, "event %d of %s", i, "three")
		}
		close(recorded)
	}()
	g.Eventually(recorded, 10*time.Second).Should(BeClosed(), "recording waited for the endpoint")
	g.Eventually(endpoint.arrived, 10*time.Second).Should(Receive(), "the first POST was sent")
	g.Expect(endpoint.events()).To(BeEmpty(), "nothing answered yet")
	g.Expect(fake.Events).To(HaveLen(4), "the Kubernetes Events are recorded at once")

	// The reconciler goes on with its object.
	obj.Annotations[eventv1.Group+"/revision"] = "main@sha1:2222"
	obj.ResourceVersion = "8"
	close(endpoint.release)

	g.Eventually(func() []eventv1.Event { return endpoint.events() }, 10*time.Second).Should(HaveLen(3))
	for i, ev := range endpoint.events() {
		g.Expect(ev.Reason).To(Equal([]string{"First", "Second", "Third"}[i]))
		g.Expect(ev.Message).To(Equal("event " + string(rune('0'+i)) + " of three"))
		g.Expect(ev.InvolvedObject.Kind).To(Equal("ConfigMap"))
		g.Expect(ev.InvolvedObject.Namespace + "/" + ev.InvolvedObject.Name).To(Equal("apps/app"))
		g.Expect(ev.InvolvedObject.ResourceVersion).To(Equal("7"))
		g.Expect(ev.Metadata).To(HaveKeyWithValue(eventv1.Group+"/revision", "main@sha1:1111"))
		g.Expect(ev.Metadata).To(HaveKeyWithValue("index", string(rune('0'+i))))
		g.Expect(ev.ReportingController).To(Equal("test-controller"))
	}
}

// TestAsyncRecorder_FullQueueDrops: while the endpoint does not answer, the queue holds size
// events and drops the others, counted; the Kubernetes Events of all of them are recorded, and
// the queued ones reach the endpoint once it answers.
func TestAsyncRecorder_FullQueueDrops(t *testing.T) {
	g := NewWithT(t)
	endpoint := newEventEndpoint(t)
	r, fake, _ := startAsyncRecorder(t, endpoint.url, 2)
	obj := configMapObject("main@sha1:1111")
	before := testutil.ToFloat64(eventPostsDropped)

	r.Eventf(obj, nil, corev1.EventTypeNormal, "InFlight", "InFlight", "sent, waiting for an answer")
	g.Eventually(endpoint.arrived, 10*time.Second).Should(Receive())
	for i := range 5 {
		r.Eventf(obj, nil, corev1.EventTypeWarning, "Queued", "Queued", "event %d", i)
	}
	g.Expect(testutil.ToFloat64(eventPostsDropped) - before).To(Equal(3.0))
	g.Expect(fake.Events).To(HaveLen(6))

	close(endpoint.release)
	g.Eventually(func() []eventv1.Event { return endpoint.events() }, 10*time.Second).Should(HaveLen(3))
	var messages []string
	for _, ev := range endpoint.events() {
		messages = append(messages, ev.Message)
	}
	g.Expect(messages).To(Equal([]string{"sent, waiting for an answer", "event 0", "event 1"}))
	g.Expect(r.queue).To(BeEmpty())
}

// TestAsyncRecorder_StopPostsWhatIsQueued: a stopping controller (Runtime.Start, once the
// manager has stopped) still posts the events its reconcilers recorded, in order.
func TestAsyncRecorder_StopPostsWhatIsQueued(t *testing.T) {
	g := NewWithT(t)
	endpoint := newEventEndpoint(t)
	r, _, stop := startAsyncRecorder(t, endpoint.url, 8)
	obj := configMapObject("main@sha1:1111")
	for i := range 3 {
		r.Eventf(obj, nil, corev1.EventTypeNormal, "Recorded", "Recorded", "event %d", i)
	}
	g.Eventually(endpoint.arrived, 10*time.Second).Should(Receive(), "the first POST is in flight")
	stopped := make(chan struct{})
	go func() { stop(); close(stopped) }()
	close(endpoint.release)
	g.Eventually(stopped, 10*time.Second).Should(BeClosed())
	var messages []string
	for _, ev := range endpoint.events() {
		messages = append(messages, ev.Message)
	}
	g.Expect(messages).To(Equal([]string{"event 0", "event 1", "event 2"}))
}
