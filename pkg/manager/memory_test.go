package manager

import (
	"context"
	"os"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"
	"weak"

	"github.com/fluxcd/pkg/runtime/pprof"
	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/pflag"

	"github.com/eddy-gitops/eddy/pkg/manager/heapsampling"
)

func TestSoftMemoryLimit(t *testing.T) {
	const gib = int64(1 << 30)
	tests := []struct {
		name      string
		envSet    bool
		cgroup    int64
		percent   int
		wantLimit int64
		wantSet   bool
	}{
		{name: "90% of a 1 GiB container", cgroup: gib, percent: 90, wantLimit: gib * 9 / 10, wantSet: true},
		{name: "GOMEMLIMIT wins", envSet: true, cgroup: gib, percent: 90},
		{name: "no container limit", cgroup: 0, percent: 90},
		{name: "disabled", cgroup: gib, percent: 0},
		{name: "out of range", cgroup: gib, percent: 150},
		{name: "the whole limit", cgroup: gib, percent: 100, wantLimit: gib, wantSet: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, set := softMemoryLimit(tt.envSet, tt.cgroup, tt.percent)
			if got != tt.wantLimit || set != tt.wantSet {
				t.Errorf("softMemoryLimit() = %d, %v; want %d, %v", got, set, tt.wantLimit, tt.wantSet)
			}
		})
	}
}

func TestParseCgroupLimit(t *testing.T) {
	tests := []struct {
		in   string
		want int64
	}{
		{in: "536870912\n", want: 536870912},
		{in: "max\n", want: 0},
		{in: "9223372036854771712\n", want: 0}, // cgroup v1's "unlimited"
		{in: "", want: 0},
		{in: "-1", want: 0},
		{in: "garbage", want: 0},
	}
	for _, tt := range tests {
		if got := parseCgroupLimit(tt.in); got != tt.want {
			t.Errorf("parseCgroupLimit(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestCgroupLimitFiles(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string
	}{
		{name: "v2 in a container", in: "0::/\n", want: []string{"/sys/fs/cgroup/memory.max"}},
		{name: "v2 on a host", in: "0::/kubepods/pod1/ctr\n",
			want: []string{"/sys/fs/cgroup/kubepods/pod1/ctr/memory.max"}},
		{name: "hybrid: v2 first, then the v1 memory controller",
			in:   "4:memory:/docker/x\n3:cpu,cpuacct:/docker/x\n0::/\n",
			want: []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/docker/x/memory.limit_in_bytes"}},
		{name: "v1 only, combined controllers", in: "7:cpu,memory:/\n",
			want: []string{"/sys/fs/cgroup/memory/memory.limit_in_bytes"}},
		{name: "garbage", in: "nonsense\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := cgroupLimitFiles(tt.in); !slices.Equal(got, tt.want) {
				t.Errorf("cgroupLimitFiles() = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestIdleTick: memory is released once after a burst, not during it and not again while idle.
func TestIdleTick(t *testing.T) {
	type tick struct {
		count       float64
		allocated   uint64 // since the last release
		wantRelease bool
	}
	tests := []struct {
		name  string
		ticks []tick
	}{
		{name: "startup garbage released at the first quiet tick",
			ticks: []tick{{0, 0, true}, {0, 0, false}, {0, 0, false}}},
		{name: "busy, then quiet: one release",
			ticks: []tick{{3, 0, false}, {7, 0, false}, {7, 0, true}, {7, 0, false}}},
		{name: "a second burst earns a second release",
			ticks: []tick{{0, 0, true}, {2, 0, false}, {2, 0, true}, {5, 0, false}, {5, 0, true}}},
		{name: "idle allocation below the budget: no release",
			ticks: []tick{{0, 0, true}, {0, idleAllocBudget - 1, false}}},
		{name: "idle allocation of the budget: released again",
			ticks: []tick{{0, 0, true}, {0, idleAllocBudget, true}, {0, 10, false}}},
		{name: "busy while allocating: no release until quiet",
			ticks: []tick{{0, 0, true}, {4, 8 * idleAllocBudget, false}, {4, 8 * idleAllocBudget, true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			previous, dirty := 0.0, true
			for i, tk := range tt.ticks {
				release, stillDirty := idleTick(previous, tk.count, dirty, tk.allocated)
				if release != tk.wantRelease {
					t.Fatalf("tick %d (count %v): release = %v, want %v", i, tk.count, release, tk.wantRelease)
				}
				previous, dirty = tk.count, stillDirty
			}
		})
	}
}

// TestIdleReleaserRuns drives the runnable with a fake counter: it must release after start-up
// and after a burst (both marked as after a burst, when the executable is released too), again
// while idle once the allocation budget is spent (heap only), and stop with its context.
func TestIdleReleaserRuns(t *testing.T) {
	released := make(chan bool, 10)
	var mu sync.Mutex
	count, allocated := 0.0, uint64(0)
	r := &idleReleaser{every: time.Millisecond, log: logr.Discard(),
		reconciles: func() float64 { mu.Lock(); defer mu.Unlock(); return count },
		allocated:  func() uint64 { mu.Lock(); defer mu.Unlock(); return allocated },
		release:    func(afterBurst bool) { released <- afterBurst }}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- r.Start(ctx) }()
	if afterBurst := <-released; !afterBurst {
		t.Error("the start-up release must count as after a burst")
	}
	mu.Lock()
	count = 5
	mu.Unlock()
	if afterBurst := <-released; !afterBurst {
		t.Error("the release after five reconciles must count as after a burst")
	}
	mu.Lock()
	allocated += 2 * idleAllocBudget
	mu.Unlock()
	if afterBurst := <-released; afterBurst {
		t.Error("an idle re-release must not count as after a burst")
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Start() = %v", err)
	}
	if r.NeedLeaderElection() {
		t.Error("every replica must release its own memory")
	}
}

func TestMemoryFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		want    MemoryOptions
		wantErr bool
	}{
		{name: "defaults", want: MemoryOptions{LimitPercent: 90, IdleRelease: 30 * time.Second, ReleaseExecutable: true}},
		{name: "disabled", args: []string{"--memory-limit-percent=0", "--idle-memory-release=0", "--idle-release-executable=false"}},
		{name: "percent out of range", args: []string{"--memory-limit-percent=101"}, wantErr: true},
		{name: "negative duration", args: []string{"--idle-memory-release=-1s"}, wantErr: true},
		{name: "heap profile on", args: []string{"--heap-profile-rate=524288"},
			want: MemoryOptions{LimitPercent: 90, IdleRelease: 30 * time.Second, ReleaseExecutable: true, HeapProfileRate: 524288}},
		{name: "negative heap profile rate", args: []string{"--heap-profile-rate=-1"}, wantErr: true},
		{name: "mutex profile on", args: []string{"--mutex-profile-fraction=5"},
			want: MemoryOptions{LimitPercent: 90, IdleRelease: 30 * time.Second, ReleaseExecutable: true, MutexProfileFraction: 5}},
		{name: "negative mutex fraction", args: []string{"--mutex-profile-fraction=-1"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := parseOptions(t, tt.args)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Validate() = %v, wantErr %v", err, tt.wantErr)
			}
			if !tt.wantErr && o.Memory != tt.want {
				t.Errorf("Memory = %+v, want %+v", o.Memory, tt.want)
			}
		})
	}
}

// TestClientFlags: the Kubernetes client flags keep Flux's names and defaults.
func TestClientFlags(t *testing.T) {
	fs := pflag.NewFlagSet("x", pflag.ContinueOnError)
	var o Options
	o.BindFlags(fs, 2)
	if err := fs.Parse(nil); err != nil {
		t.Fatal(err)
	}
	if o.Client.QPS != 50 || o.Client.Burst != 300 {
		t.Errorf("defaults = %v/%d, want 50/300", o.Client.QPS, o.Client.Burst)
	}
	if err := fs.Parse([]string{"--kube-api-qps=-1", "--kube-api-burst=1000"}); err != nil {
		t.Fatal(err)
	}
	if o.Client.QPS != -1 || o.Client.Burst != 1000 {
		t.Errorf("parsed = %v/%d, want -1/1000", o.Client.QPS, o.Client.Burst)
	}
}

// TestSumReconciles: the idle signal is controller-runtime's reconcile counter, summed over
// controllers and results; other metrics do not count.
func TestSumReconciles(t *testing.T) {
	reg := prometheus.NewRegistry()
	total := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "controller_runtime_reconcile_total"},
		[]string{"controller", "result"})
	other := prometheus.NewCounter(prometheus.CounterOpts{Name: "workqueue_adds_total"})
	reg.MustRegister(total, other)
	if got := sumReconciles(reg); got != 0 {
		t.Fatalf("empty registry: %v, want 0", got)
	}
	total.WithLabelValues("kustomization", "success").Add(3)
	total.WithLabelValues("kustomization", "error").Add(1)
	total.WithLabelValues("gitrepository", "requeue_after").Add(2)
	other.Add(100)
	if got := sumReconciles(reg); got != 6 {
		t.Errorf("sumReconciles() = %v, want 6", got)
	}
	// The process-wide registry gathers too (controller-runtime registers the counter at init).
	if got := reconcileCount(); got < 0 {
		t.Errorf("reconcileCount() = %v on the controller-runtime registry", got)
	}
}

// TestAllocatedBytes reads the runtime's real allocation counter: it grows by what is allocated.
func TestAllocatedBytes(t *testing.T) {
	before := allocatedBytes()
	buf := make([]byte, 4<<20)
	after := allocatedBytes()
	runtime.KeepAlive(buf)
	if after-before < 4<<20 {
		t.Errorf("allocated %d bytes after a 4 MiB allocation", after-before)
	}
}

// TestReleaseEmptiesPools: a release frees what sync.Pools hold (the gzip writer a /metrics
// scrape leaves behind, among others), which a single collection only moves to the pools'
// victim caches.
func TestReleaseEmptiesPools(t *testing.T) {
	var pool sync.Pool
	buf := new([1 << 20]byte)
	freed := weak.Make(buf)
	pool.Put(buf)
	buf = nil
	releaseFunc(MemoryOptions{}, logr.Discard())(false)
	if freed.Value() != nil {
		t.Error("a pooled buffer outlived the release")
	}
	runtime.KeepAlive(&pool)
}

// TestHeapProfileRate: every binary starts with heap-profile sampling off (pkg/manager imports
// heapsampling); --heap-profile-rate turns it on unless GODEBUG set the rate.
func TestHeapProfileRate(t *testing.T) {
	if heapsampling.SetByGODEBUG(os.Getenv("GODEBUG")) {
		t.Fatal("run this test without memprofilerate in GODEBUG")
	}
	if runtime.MemProfileRate != 0 {
		t.Fatalf("runtime.MemProfileRate = %d at start, want 0", runtime.MemProfileRate)
	}
	t.Cleanup(func() { runtime.MemProfileRate = 0 })
	tests := []struct {
		rate     int
		godebug  string
		changed  bool
		wantRate int
	}{
		{rate: 0, godebug: "", changed: false, wantRate: 0},
		{rate: 4096, godebug: "memprofilerate=1", changed: false, wantRate: 0},
		{rate: 4096, godebug: "gctrace=1", changed: true, wantRate: 4096},
	}
	for _, tt := range tests {
		runtime.MemProfileRate = 0
		if got := applyHeapProfileRate(tt.rate, tt.godebug); got != tt.changed {
			t.Errorf("applyHeapProfileRate(%d, %q) = %v, want %v", tt.rate, tt.godebug, got, tt.changed)
		}
		if runtime.MemProfileRate != tt.wantRate {
			t.Errorf("applyHeapProfileRate(%d, %q): rate %d, want %d", tt.rate, tt.godebug, runtime.MemProfileRate, tt.wantRate)
		}
	}
}

// TestMutexProfileFraction: the mutex profile that the pprof endpoints turn on is off again
// after applyProfiling, unless --mutex-profile-fraction asks for it.
func TestMutexProfileFraction(t *testing.T) {
	t.Cleanup(func() { runtime.SetMutexProfileFraction(0) })
	_ = pprof.GetHandlers() // as the manager does when it is built
	if got := runtime.SetMutexProfileFraction(-1); got != 5 {
		t.Fatalf("the pprof handlers set the mutex fraction to %d, this test expects 5", got)
	}
	applyProfiling(MemoryOptions{}, "")
	if got := runtime.SetMutexProfileFraction(-1); got != 0 {
		t.Errorf("mutex fraction after applyProfiling with the defaults = %d, want 0", got)
	}
	applyProfiling(MemoryOptions{MutexProfileFraction: 10}, "")
	if got := runtime.SetMutexProfileFraction(-1); got != 10 {
		t.Errorf("mutex fraction with --mutex-profile-fraction=10 = %d, want 10", got)
	}
}
