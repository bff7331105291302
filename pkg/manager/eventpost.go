package manager

import (
	"fmt"
	"maps"
	"sync/atomic"
	"time"

	eventv1 "github.com/fluxcd/pkg/apis/event/v1beta1"
	"github.com/fluxcd/pkg/runtime/events"
	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	ctrl "sigs.k8s.io/controller-runtime"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
)

// fluxcd/pkg/runtime/events POSTs every event to notification-controller (--events-addr) in the
// goroutine that records it, with retries: a reconcile waits for notification-controller before
// it goes on, and when notification-controller is down, for about 15 seconds of retries per
// event (Flux users see their Kustomizations stall: flux2 discussion 5403). Doing each POST in a
// goroutine of its own, as proposed upstream, trades that for goroutines piling up while
// notification-controller is away. asyncRecorder does neither: the Kubernetes Event is recorded
// as before (client-go's broadcaster never blocks), and the POST is queued for one sender
// goroutine, in order. The queue is bounded; when it is full (notification-controller has been
// unreachable for a while) further POSTs are dropped, counted in
// eddy_event_posts_dropped_total and logged, and the Kubernetes Events still carry them.

// DefaultEventQueueSize is how many events wait for notification-controller at most.
const DefaultEventQueueSize = 1024

var eventPostsDropped = prometheus.NewCounter(prometheus.CounterOpts{
	Name: "eddy_event_posts_dropped_total",
	Help: "Events not sent to notification-controller because the queue of events waiting for it was full.",
})

func init() { ctrlmetrics.Registry.MustRegister(eventPostsDropped) }

// asyncRecorder records Kubernetes Events with kube and queues the POST to the events endpoint
// for post, a recorder without a Kubernetes backend.
type asyncRecorder struct {
	kube   events.Recorder
	post   events.Recorder
	scheme *runtime.Scheme
	queue  chan func()
	log    logr.Logger

	dropped atomic.Int64 // since the process started
}

// eventDrainTimeout bounds how long a stopping controller goes on posting the events still
// queued (a POST in flight when it ends is not waited for).
const eventDrainTimeout = 5 * time.Second

func newAsyncRecorder(log logr.Logger, kube, post events.Recorder, scheme *runtime.Scheme, size int) *asyncRecorder {
	return &asyncRecorder{kube: kube, post: post, scheme: scheme, queue: make(chan func(), size), log: log}
}

// start runs the sender and returns the function that stops it: the events queued by then are
// still posted, for up to eventDrainTimeout.
func (r *asyncRecorder) start() (stop func()) {
	stopping, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		r.send(stopping, eventDrainTimeout)
	}()
	return func() {
		close(stopping)
		select {
		case <-done:
		case <-time.After(eventDrainTimeout + time.Second):
		}
	}
}

// send POSTs the queued events one at a time, in order, until stopping is closed, then what is
// still queued for up to drain; what is left after that is lost (the Kubernetes Events have it).
func (r *asyncRecorder) send(stopping <-chan struct{}, drain time.Duration) {
	for {
		select {
		case post := <-r.queue:
			post()
		case <-stopping:
			deadline := time.Now().Add(drain)
			for time.Now().Before(deadline) {
				select {
				case post := <-r.queue:
					post()
				default:
					return
				}
			}
			return
		}
	}
}

func (r *asyncRecorder) Eventf(object runtime.Object, related runtime.Object, eventtype, reason, action, note string, args ...any) {
	r.AnnotatedEventf(object, related, nil, eventtype, reason, action, note, args...)
}

func (r *asyncRecorder) AnnotatedEventf(object runtime.Object, related runtime.Object, annotations map[string]string,
	eventtype, reason, action, note string, args ...any) {
	r.kube.AnnotatedEventf(object, related, annotations, eventtype, reason, action, note, args...)
	if eventtype == eventv1.EventTypeTrace {
		return // Kubernetes Events only, as the Flux recorder does
	}
	// The reconciler goes on changing its object: the POST gets a copy of what it reads now
	// (the reference and the annotations), and the message formatted now.
	obj, rel := r.snapshot(object), r.snapshot(related)
	annotations = maps.Clone(annotations)
	message := fmt.Sprintf(note, args...)
	post := func() { r.post.AnnotatedEventf(obj, rel, annotations, eventtype, reason, action, "%s", message) }
	select {
	case r.queue <- post:
	default:
		r.drop(object)
	}
}

// drop counts an event the queue had no room for, and logs the first and every hundredth.
func (r *asyncRecorder) drop(object runtime.Object) {
	eventPostsDropped.Inc()
	if n := r.dropped.Add(1); n == 1 || n%100 == 0 {
		name := ""
		if m, err := apimeta.Accessor(object); err == nil {
			name = m.GetNamespace() + "/" + m.GetName()
		}
		r.log.Error(nil, "events queue for notification-controller is full: event not sent (the Kubernetes Event is recorded)",
			"object", name, "droppedSinceStart", n, "queue", cap(r.queue))
	}
}

// snapshot is what the Flux recorder reads of an object, the kind and metadata, copied: the
// object reference (kind, API version, name, namespace, uid, resourceVersion) and the
// annotations, whose event.toolkit.fluxcd.io/ keys become event metadata.
func (r *asyncRecorder) snapshot(o runtime.Object) runtime.Object {
	if o == nil {
		return nil
	}
	m, err := apimeta.Accessor(o)
	gvks, _, kindErr := r.scheme.ObjectKinds(o)
	if err != nil || kindErr != nil || len(gvks) == 0 {
		return o.DeepCopyObject()
	}
	p := &metav1.PartialObjectMetadata{ObjectMeta: metav1.ObjectMeta{
		Name: m.GetName(), Namespace: m.GetNamespace(), UID: m.GetUID(), ResourceVersion: m.GetResourceVersion(),
		Annotations: maps.Clone(m.GetAnnotations()),
	}}
	p.SetGroupVersionKind(gvks[0])
	return p
}

// newRecorder is the manager's Flux recorder: Kubernetes Events, and with eventsAddr the POST
// of each event to notification-controller from a queue (asyncRecorder, returned too: its sender
// is run by Runtime.Start).
func newRecorder(mgr ctrl.Manager, log logr.Logger, eventsAddr, name string) (events.Recorder, *asyncRecorder, error) {
	kube, err := events.NewRecorder(log, "", name, events.WithManager(mgr))
	if err != nil {
		return nil, nil, err
	}
	if eventsAddr == "" {
		return kube, nil, nil
	}
	post, err := events.NewRecorder(log, eventsAddr, name, events.WithScheme(mgr.GetScheme()))
	if err != nil {
		return nil, nil, fmt.Errorf("--events-addr: %w", err)
	}
	r := newAsyncRecorder(log, kube, post, mgr.GetScheme(), DefaultEventQueueSize)
	return r, r, nil
}
