package manager

import (
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/tools/record"
	"k8s.io/klog/v2"
)

// DefaultEventCacheSize is the default of --event-cache-size.
//
// client-go's event correlator keeps three caches of this many entries each: the deduplication
// of identical events (a repeat becomes a count increment on the existing Event), the
// aggregation of similar ones, and the per-object spam filter. Its default, 4096, is sized for
// kubelets and busy core controllers; filled by a burst of reconciles, three such caches held
// about 5 MB of a controller's idle heap, in small objects spread over many pages, which kept
// about 11 MiB resident (measured with hack/bench, workloads 1, 4 and 6). A repeat is only
// deduplicated while its key is among the last 512 distinct events, which covers a failing
// object retried with backoff among hundreds of others.
const DefaultEventCacheSize = 512

// normalEventCacheSize bounds the correlator caches of Normal events. The events that repeat
// word for word, and that deduplication and the spam filter exist for, are failures (Warning):
// a Normal event of a controller names what changed (a revision, a change set, a duration) and
// is rarely sent twice. Yet bursts of reconciles are made of Normal events, and whatever the
// caches hold when the burst ends stays in the idle heap, spread over pages it keeps resident:
// 512 entries cost kustomize-controller about 4 MiB after a burst of 1,000 Kustomizations.
const normalEventCacheSize = 32

// newEventBroadcaster returns the broadcaster behind the manager's core/v1 event recorder (the
// recorder fluxcd/pkg/runtime/events writes Kubernetes Events with). Warning events go through
// a correlator whose caches hold size entries; Normal events through one of at most
// normalEventCacheSize. The two share nothing but the sinks and watchers they are started
// with: each has its own spam filter per object.
func newEventBroadcaster(size int) record.EventBroadcaster {
	return &splitBroadcaster{
		normal:  record.NewBroadcasterWithCorrelatorOptions(record.CorrelatorOptions{LRUCacheSize: min(size, normalEventCacheSize)}),
		warning: record.NewBroadcasterWithCorrelatorOptions(record.CorrelatorOptions{LRUCacheSize: size}),
	}
}

// splitBroadcaster sends each event to one of two broadcasters by its type.
type splitBroadcaster struct{ normal, warning record.EventBroadcaster }

func (b *splitBroadcaster) StartEventWatcher(handler func(*corev1.Event)) watch.Interface {
	return joinWatches(b.normal.StartEventWatcher(handler), b.warning.StartEventWatcher(handler))
}

func (b *splitBroadcaster) StartRecordingToSink(sink record.EventSink) watch.Interface {
	return joinWatches(b.normal.StartRecordingToSink(sink), b.warning.StartRecordingToSink(sink))
}

func (b *splitBroadcaster) StartLogging(logf func(format string, args ...any)) watch.Interface {
	return joinWatches(b.normal.StartLogging(logf), b.warning.StartLogging(logf))
}

func (b *splitBroadcaster) StartStructuredLogging(verbosity klog.Level) watch.Interface {
	return joinWatches(b.normal.StartStructuredLogging(verbosity), b.warning.StartStructuredLogging(verbosity))
}

func (b *splitBroadcaster) NewRecorder(scheme *runtime.Scheme, source corev1.EventSource) record.EventRecorderLogger {
	return splitRecorder{normal: b.normal.NewRecorder(scheme, source), warning: b.warning.NewRecorder(scheme, source)}
}

func (b *splitBroadcaster) Shutdown() {
	b.normal.Shutdown()
	b.warning.Shutdown()
}

// splitRecorder records Warning events with one recorder and every other type with the other.
type splitRecorder struct{ normal, warning record.EventRecorderLogger }

func (r splitRecorder) of(eventtype string) record.EventRecorderLogger {
	if eventtype == corev1.EventTypeWarning {
		return r.warning
	}
	return r.normal
}

func (r splitRecorder) Event(object runtime.Object, eventtype, reason, message string) {
	r.of(eventtype).Event(object, eventtype, reason, message)
}

func (r splitRecorder) Eventf(object runtime.Object, eventtype, reason, messageFmt string, args ...any) {
	r.of(eventtype).Eventf(object, eventtype, reason, messageFmt, args...)
}

func (r splitRecorder) AnnotatedEventf(object runtime.Object, annotations map[string]string, eventtype, reason, messageFmt string, args ...any) {
	r.of(eventtype).AnnotatedEventf(object, annotations, eventtype, reason, messageFmt, args...)
}

func (r splitRecorder) WithLogger(logger klog.Logger) record.EventRecorderLogger {
	return splitRecorder{normal: r.normal.WithLogger(logger), warning: r.warning.WithLogger(logger)}
}

// joinedWatch stops both watches at once; its result channel carries the events of both.
type joinedWatch struct {
	watches [2]watch.Interface
	once    sync.Once
	merged  chan watch.Event
	stop    chan struct{}
	stopped sync.Once
}

func joinWatches(a, b watch.Interface) watch.Interface {
	return &joinedWatch{watches: [2]watch.Interface{a, b}, stop: make(chan struct{})}
}

func (j *joinedWatch) Stop() {
	j.stopped.Do(func() {
		close(j.stop)
		for _, w := range j.watches {
			w.Stop()
		}
	})
}

// ResultChan merges the two channels, from the first call on (the broadcaster's own callers
// only ever Stop).
func (j *joinedWatch) ResultChan() <-chan watch.Event {
	j.once.Do(func() {
		j.merged = make(chan watch.Event)
		var wg sync.WaitGroup
		for _, w := range j.watches {
			wg.Go(func() {
				for e := range w.ResultChan() {
					select {
					case j.merged <- e:
					case <-j.stop:
						return
					}
				}
			})
		}
		go func() { wg.Wait(); close(j.merged) }()
	})
	return j.merged
}
