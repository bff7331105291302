package manager

import (
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
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
