package manager

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes/scheme"
)

// sinkCalls records what the broadcaster asks of the API: Create for a new Event, Patch for a
// repeat it deduplicated into a count increment.
type sinkCalls struct {
	mu     sync.Mutex
	create []string // involved object names
	patch  []string
}

func (s *sinkCalls) Create(e *corev1.Event) (*corev1.Event, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.create = append(s.create, e.InvolvedObject.Name)
	return e, nil
}

func (s *sinkCalls) Update(e *corev1.Event) (*corev1.Event, error) { return e, nil }

func (s *sinkCalls) Patch(e *corev1.Event, _ []byte) (*corev1.Event, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.patch = append(s.patch, e.InvolvedObject.Name)
	return e, nil
}

func (s *sinkCalls) counts() (create, patch int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.create), len(s.patch)
}

// TestEventCacheSize: the correlator deduplicates a repeated event while its key is among the
// last size distinct ones, and forgets it after that (the repeat is then a new Event).
func TestEventCacheSize(t *testing.T) {
	tests := []struct {
		name      string
		size      int
		others    int // distinct events between the first and the repeat
		wantPatch int
	}{
		{name: "repeat within the cache", size: 4, others: 2, wantPatch: 1},
		{name: "repeat after eviction", size: 4, others: 6, wantPatch: 0},
		{name: "client-go's size keeps it", size: 4096, others: 6, wantPatch: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newEventBroadcaster(tt.size)
			defer b.Shutdown()
			sink := &sinkCalls{}
			b.StartRecordingToSink(sink)
			rec := b.NewRecorder(scheme.Scheme, corev1.EventSource{Component: "test"})
			cm := func(name string) *corev1.ConfigMap {
				return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", UID: types.UID("uid-" + name)}}
			}
			// One at a time: the correlator sees the events in this order only if each is handled
			// before the next is sent.
			send := func(name string, wantCalls int) {
				rec.Event(cm(name), corev1.EventTypeNormal, "Applied", "applied "+name)
				deadline := time.Now().Add(10 * time.Second)
				for {
					c, p := sink.counts()
					if c+p >= wantCalls {
						return
					}
					if time.Now().After(deadline) {
						t.Fatalf("the sink got %d calls, want %d", c+p, wantCalls)
					}
					time.Sleep(5 * time.Millisecond)
				}
			}
			send("first", 1)
			for i := range tt.others {
				send("other-"+string(rune('a'+i)), 2+i)
			}
			send("first", 2+tt.others)
			create, patch := sink.counts()
			if patch != tt.wantPatch || create != 2+tt.others-tt.wantPatch {
				t.Errorf("creates %d, patches %d; want %d and %d", create, patch, 2+tt.others-tt.wantPatch, tt.wantPatch)
			}
		})
	}
}

// TestEventTypesCachedApart: Warning events keep --event-cache-size entries of deduplication,
// however many Normal events come in between; Normal events keep normalEventCacheSize.
func TestEventTypesCachedApart(t *testing.T) {
	b := newEventBroadcaster(DefaultEventCacheSize)
	defer b.Shutdown()
	sink := &sinkCalls{}
	b.StartRecordingToSink(sink)
	rec := b.NewRecorder(scheme.Scheme, corev1.EventSource{Component: "test"})
	calls := 0
	// One at a time, so that the correlators see the events in this order.
	send := func(eventtype, name string) {
		t.Helper()
		rec.Event(&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", UID: types.UID("uid-" + name)}},
			eventtype, "Reason", "about "+name)
		calls++
		deadline := time.Now().Add(10 * time.Second)
		for {
			if c, p := sink.counts(); c+p >= calls {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("the sink got fewer than %d calls", calls)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	others := func(prefix string) {
		for i := range 2 * normalEventCacheSize {
			send(corev1.EventTypeNormal, fmt.Sprintf("%s-%d", prefix, i))
		}
	}

	send(corev1.EventTypeWarning, "failing")
	send(corev1.EventTypeNormal, "applied")
	others("a")
	send(corev1.EventTypeWarning, "failing") // still among the Warnings' last 512: a count
	send(corev1.EventTypeNormal, "applied")  // pushed out of the Normals' cache: a new Event

	sink.mu.Lock()
	defer sink.mu.Unlock()
	if !slices.Equal(sink.patch, []string{"failing"}) {
		t.Errorf("deduplicated into a count: %v, want only the repeated Warning", sink.patch)
	}
	if n := len(sink.create); n != calls-1 {
		t.Errorf("%d Events created, want %d", n, calls-1)
	}
}

// TestEventCacheSizeFlag: the flag's default and its validation.
func TestEventCacheSizeFlag(t *testing.T) {
	tests := []struct {
		args    []string
		want    int
		wantErr bool
	}{
		{want: DefaultEventCacheSize},
		{args: []string{"--event-cache-size=4096"}, want: 4096},
		{args: []string{"--event-cache-size=0"}, wantErr: true},
	}
	for _, tt := range tests {
		o, err := parseOptions(t, tt.args)
		if (err != nil) != tt.wantErr {
			t.Fatalf("%v: Validate() = %v, wantErr %v", tt.args, err, tt.wantErr)
		}
		if !tt.wantErr && o.EventCacheSize != tt.want {
			t.Errorf("%v: EventCacheSize = %d, want %d", tt.args, o.EventCacheSize, tt.want)
		}
	}
}

// TestJoinedWatch: the joined watch carries the events of both and Stop stops both.
func TestJoinedWatch(t *testing.T) {
	a, b := watch.NewFake(), watch.NewFake()
	j := joinWatches(a, b)
	ch := j.ResultChan()
	go a.Add(&corev1.Event{ObjectMeta: metav1.ObjectMeta{Name: "from-a"}})
	go b.Add(&corev1.Event{ObjectMeta: metav1.ObjectMeta{Name: "from-b"}})
	var got []string
	for range 2 {
		select {
		case e := <-ch:
			got = append(got, e.Object.(*corev1.Event).Name)
		case <-time.After(10 * time.Second):
			t.Fatalf("got %v, want an event from each watch", got)
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, []string{"from-a", "from-b"}) {
		t.Errorf("got %v", got)
	}
	j.Stop()
	j.Stop() // twice is harmless
	if !a.IsStopped() || !b.IsStopped() {
		t.Errorf("stopped: a %v, b %v; want both", a.IsStopped(), b.IsStopped())
	}
	select {
	case _, open := <-ch:
		if open {
			t.Error("an event after Stop")
		}
	case <-time.After(10 * time.Second):
		t.Error("the joined channel was not closed after Stop")
	}
}
