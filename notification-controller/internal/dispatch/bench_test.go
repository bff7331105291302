package dispatch

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	eventv1 "github.com/fluxcd/pkg/apis/event/v1beta1"
	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	notifv1beta3 "github.com/eddy-gitops/eddy/api/notification/v1beta3"
	"github.com/eddy-gitops/eddy/notification-controller/internal/server"
)

// The events benchmark: the real event server on 127.0.0.1, the real dispatcher reading 100
// Alerts and 100 generic Providers from the envtest API server through the manager's cache, and
// a real webhook on 127.0.0.1 that timestamps each delivery.
//
//	go test -run '^$' -bench BenchmarkEvents -benchtime 1x ./internal/dispatch/
//
// EDDY_BENCH_BURST (default 20s) is the length of each max-rate phase (16 concurrent posters),
// EDDY_BENCH_FIXED (default 30s) of each fixed-rate latency phase, EDDY_BENCH_STEADY (default
// 1m) of the steady memory phase, at EDDY_BENCH_RATE events/s (default 200).

const benchAlerts = 100

type benchSink struct {
	*httptest.Server
	sent      sync.Map // event id -> time.Time of the POST
	mu        sync.Mutex
	latencies []time.Duration
	delivered atomic.Int64
	keep      bool // record latencies (throughput phases) or only count (steady phase)
}

func newBenchSink() *benchSink {
	s := &benchSink{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		now := time.Now()
		// The message is "bench <id>"; find it without a full JSON decode.
		i := bytes.Index(body, []byte(`"message":"bench `))
		if i >= 0 {
			rest := body[i+len(`"message":"bench `):]
			if j := bytes.IndexByte(rest, '"'); j > 0 {
				if id, err := strconv.ParseInt(string(rest[:j]), 10, 64); err == nil {
					if t, ok := s.sent.Load(id); ok {
						s.mu.Lock()
						if s.keep {
							s.latencies = append(s.latencies, now.Sub(t.(time.Time)))
						}
						s.mu.Unlock()
					}
				}
			}
		}
		s.delivered.Add(1)
	}))
	return s
}

func (s *benchSink) reset(keep bool) {
	s.mu.Lock()
	s.latencies, s.keep = nil, keep
	s.mu.Unlock()
	s.sent.Clear()
	s.delivered.Store(0)
}

func benchDuration(name string, def time.Duration) time.Duration {
	if v := os.Getenv(name); v != "" {
		if d, err := time.ParseDuration(v); err == nil {
			return d
		}
	}
	return def
}

func benchEvent(ns, name string, id int64) []byte {
	e := eventv1.Event{
		InvolvedObject: corev1.ObjectReference{Kind: "Kustomization", Namespace: ns, Name: name, APIVersion: "kustomize.toolkit.fluxcd.io/v1"},
		Severity:       "info", Timestamp: metav1.Now(), Reason: "ReconciliationSucceeded",
		Message:             fmt.Sprintf("bench %d", id),
		Metadata:            map[string]string{"kustomize.toolkit.fluxcd.io/revision": "main@sha1:0123456789abcdef0123456789abcdef01234567"},
		ReportingController: "kustomize-controller",
	}
	b, _ := json.Marshal(e)
	return b
}

func liveHeapMiB() float64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return float64(m.HeapAlloc) / (1 << 20)
}

func percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	return d[min(len(d)-1, int(float64(len(d))*p))]
}

func BenchmarkEvents(b *testing.B) {
	if env == nil {
		b.Skip("needs the envtest control plane")
	}
	ctx := context.Background()
	sink := newBenchSink()
	defer sink.Close()

	// Two namespaces of 100 Alerts, one Provider each, all pointing at the sink:
	// "fanout" Alerts all watch every Kustomization (one event -> 100 deliveries);
	// "selective" Alert i watches only Kustomization app-i (one event -> 1 delivery).
	setupNS := func(prefix string, source func(i int) string) string {
		ns := env.CreateNamespace(b, prefix)
		for i := range benchAlerts {
			name := fmt.Sprintf("a%03d", i)
			env.CreateAndWait(b, provider(ns, name, "generic", sink.URL+"/"+prefix))
			env.CreateAndWait(b, alert(ns, name, name, func(s *notifv1beta3.AlertSpec) { s.EventSources[0].Name = source(i) }))
		}
		return ns
	}
	fanout := setupNS("bench-fanout", func(int) string { return "*" })
	selective := setupNS("bench-selective", func(i int) string { return fmt.Sprintf("app-%d", i) })

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	d := newDispatcher(false)
	srv := server.New(server.Options{RateLimitInterval: 5 * time.Minute, Log: logr.Discard()}, d)
	srvCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(srvCtx, ln) }()
	defer func() { cancel(); <-done }()
	url := "http://" + ln.Addr().String() + "/"
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}

	var nextID atomic.Int64
	post := func(ns, name string) (int, error) {
		id := nextID.Add(1)
		sink.sent.Store(id, time.Now())
		resp, err := client.Post(url, "application/json", bytes.NewReader(benchEvent(ns, name, id)))
		if err != nil {
			return 0, err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode, nil
	}

	type row struct {
		scenario      string
		accepted      int64
		secs          float64
		delivered     int64
		p50, p95, p99 time.Duration
		rejected      int64
	}
	var rows []row
	burst := benchDuration("EDDY_BENCH_BURST", 20*time.Second)
	for _, sc := range []struct {
		name, ns string
		perEvent int64
	}{{"selective, max rate (1 of 100 Alerts matches)", selective, 1}, {"fan-out, max rate (all 100 Alerts match)", fanout, benchAlerts}} {
		sink.reset(true)
		var accepted, rejected atomic.Int64
		start := time.Now()
		var wg sync.WaitGroup
		for w := range 16 {
			wg.Go(func() {
				for i := w; time.Since(start) < burst; i += 16 {
					code, err := post(sc.ns, fmt.Sprintf("app-%d", i%benchAlerts))
					if err == nil && code == http.StatusAccepted {
						accepted.Add(1)
					} else {
						rejected.Add(1)
					}
				}
			})
		}
		wg.Wait()
		secs := time.Since(start).Seconds()
		want := accepted.Load() * sc.perEvent
		for deadline := time.Now().Add(5 * time.Minute); sink.delivered.Load() < want && time.Now().Before(deadline); {
			time.Sleep(50 * time.Millisecond)
		}
		d.Wait()
		sink.mu.Lock()
		lat := slices.Clone(sink.latencies)
		sink.mu.Unlock()
		rows = append(rows, row{sc.name, accepted.Load(), secs, sink.delivered.Load(),
			percentile(lat, .50), percentile(lat, .95), percentile(lat, .99), rejected.Load()})
	}

	// Latency at fixed rates the machine sustains: one POST per tick, each in its own goroutine.
	fixedPhase := benchDuration("EDDY_BENCH_FIXED", 30*time.Second)
	for _, sc := range []struct {
		name, ns string
		rate     int
		perEvent int64
	}{{"selective at 200 events/s", selective, 200, 1}, {"fan-out at 10 events/s", fanout, 10, benchAlerts}} {
		sink.reset(true)
		var accepted, rejected atomic.Int64
		var posts sync.WaitGroup
		tick := time.NewTicker(time.Second / time.Duration(sc.rate))
		start := time.Now()
		for i := 0; time.Since(start) < fixedPhase; i++ {
			<-tick.C
			posts.Go(func() {
				if code, err := post(sc.ns, fmt.Sprintf("app-%d", i%benchAlerts)); err == nil && code == http.StatusAccepted {
					accepted.Add(1)
				} else {
					rejected.Add(1)
				}
			})
		}
		tick.Stop()
		posts.Wait()
		secs := time.Since(start).Seconds()
		want := accepted.Load() * sc.perEvent
		for deadline := time.Now().Add(5 * time.Minute); sink.delivered.Load() < want && time.Now().Before(deadline); {
			time.Sleep(50 * time.Millisecond)
		}
		d.Wait()
		sink.mu.Lock()
		lat := slices.Clone(sink.latencies)
		sink.mu.Unlock()
		rows = append(rows, row{sc.name, accepted.Load(), secs, sink.delivered.Load(),
			percentile(lat, .50), percentile(lat, .95), percentile(lat, .99), rejected.Load()})
	}

	var out strings.Builder
	fmt.Fprintf(&out, "\n| scenario | events accepted/s | deliveries/s | events accepted | deliveries | non-202 | p50 POST→delivery | p95 | p99 |\n|---|---|---|---|---|---|---|---|---|\n")
	for _, r := range rows {
		fmt.Fprintf(&out, "| %s | %.0f | %.0f | %d | %d | %d | %s | %s | %s |\n", r.scenario, float64(r.accepted)/r.secs,
			float64(r.delivered)/r.secs, r.accepted, r.delivered, r.rejected,
			r.p50.Round(10*time.Microsecond), r.p95.Round(10*time.Microsecond), r.p99.Round(10*time.Microsecond))
	}

	// Steady phase: a fixed rate of unique events for a long time; memory must level off (the
	// de-duplication window holds rate x 5m keys, then expires as many as it adds).
	steady := benchDuration("EDDY_BENCH_STEADY", time.Minute)
	rate := 200
	if v, err := strconv.Atoi(os.Getenv("EDDY_BENCH_RATE")); err == nil && v > 0 {
		rate = v
	}
	sink.reset(false)
	fmt.Fprintf(&out, "\nSteady: %d events/s (selective), %s.\n\n| elapsed | events sent | delivered | live heap (MiB) | goroutines | de-dup keys |\n|---|---|---|---|---|---|\n", rate, steady)
	sample := max(steady/10, time.Second)
	start := time.Now()
	var sent atomic.Int64
	stop := make(chan struct{})
	var gen sync.WaitGroup
	gen.Go(func() {
		tick := time.NewTicker(time.Second / time.Duration(rate))
		defer tick.Stop()
		var i int
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				i++
				if code, err := post(selective, fmt.Sprintf("app-%d", i%benchAlerts)); err == nil && code == http.StatusAccepted {
					sent.Add(1)
				}
			}
		}
	})
	b.ResetTimer()
	for next := sample; ; next += sample {
		time.Sleep(time.Until(start.Add(next)))
		sink.sent.Clear() // latencies are not recorded in this phase; keep the map from growing
		fmt.Fprintf(&out, "| %s | %d | %d | %.1f | %d | %d |\n", time.Since(start).Round(time.Second), sent.Load(),
			sink.delivered.Load(), liveHeapMiB(), runtime.NumGoroutine(), srv.DedupLen())
		if next >= steady {
			break
		}
	}
	close(stop)
	gen.Wait()
	b.StopTimer()
	fmt.Print(out.String())
}
