package manager

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-logr/logr"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/pflag"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/eddy-gitops/eddy/pkg/manager/heapsampling"
)

// MemoryOptions are the Go runtime memory defaults of every binary. Both are about the resident
// size of a controller that is mostly idle: a GitOps controller reconciles in bursts (a commit,
// an interval) and then waits for minutes, and the Go runtime keeps the garbage and free pages of
// the last burst resident until its next, possibly distant, collection.
type MemoryOptions struct {
	// LimitPercent sets the Go soft memory limit to this share of the container's memory limit
	// when GOMEMLIMIT is unset (--memory-limit-percent). The collector then works harder near the
	// limit instead of letting the kernel kill the process. GOMEMLIMIT, when set, always wins.
	LimitPercent int
	// IdleRelease is how long no reconcile must have run before the freed memory of the last burst
	// is collected and returned to the operating system; while idle, it is also how often that is
	// done again when the controller has allocated a MiB since (--idle-memory-release).
	IdleRelease time.Duration
	// ReleaseExecutable also hands the resident pages of the program's code back to the kernel
	// at the release after each burst (--idle-release-executable; Linux). A controller binary
	// links far more code than it runs while idle: start-up, every API type of client-go, the
	// paths of the last burst. Those clean file pages stay resident, and counted in its RSS and
	// its container's working set, until the kernel needs the memory; released, only the code
	// that runs again comes back.
	ReleaseExecutable bool
	// HeapProfileRate turns the heap profile of /debug/pprof/heap back on, sampling one
	// allocation per this many bytes (--heap-profile-rate; Go's default is 524288). It is off
	// by default (package heapsampling says why); GODEBUG=memprofilerate=N, when set, wins.
	HeapProfileRate int
	// MutexProfileFraction turns the mutex profile of /debug/pprof/mutex on, recording one in
	// this many contended lock events (--mutex-profile-fraction; Flux's controllers use 5). Off
	// by default for the same reason: its records share the profiler's hash table.
	MutexProfileFraction int
}

// BindFlags registers the memory flags on fs.
func (o *MemoryOptions) BindFlags(fs *pflag.FlagSet) {
	fs.IntVar(&o.LimitPercent, "memory-limit-percent", 90,
		"When GOMEMLIMIT is unset, set the Go soft memory limit to this percentage of the container memory limit (cgroup memory.max); 0 disables. GOMEMLIMIT, when set, takes precedence.")
	fs.DurationVar(&o.IdleRelease, "idle-memory-release", 30*time.Second,
		"After no reconcile has run for this long, run a garbage collection and return the freed memory to the operating system; while idle, do it again this often once a MiB has been allocated since; 0 disables.")
	fs.BoolVar(&o.ReleaseExecutable, "idle-release-executable", true,
		"With --idle-memory-release, also ask the kernel (Linux, madvise MADV_PAGEOUT) to reclaim the resident pages of the controller's executable once after each burst of reconciles; the code that runs next is read back from the page cache or the disk.")
	fs.IntVar(&o.HeapProfileRate, "heap-profile-rate", 0,
		"Sample one allocation per this many bytes for the heap profile at /debug/pprof/heap (Go's default is 524288); 0, the default, turns heap profiling off, which saves the profiler's records (1 to 5 MiB of idle memory). GODEBUG=memprofilerate=N, when set, takes precedence.")
	fs.IntVar(&o.MutexProfileFraction, "mutex-profile-fraction", 0,
		"Record one in this many contended mutex events for the mutex profile at /debug/pprof/mutex (Flux's controllers use 5); 0, the default, turns the mutex profile off.")
}

// applyProfiling sets the sampling of the heap and mutex profiles from the flags and reports
// whether heap profiling was turned on. It runs after the manager is built, because
// fluxcd/pkg/runtime/pprof.GetHandlers turns the mutex profile on (1 in 5) when it finds it off.
func applyProfiling(o MemoryOptions, godebug string) bool {
	runtime.SetMutexProfileFraction(o.MutexProfileFraction)
	return applyHeapProfileRate(o.HeapProfileRate, godebug)
}

// applyHeapProfileRate turns heap-profile sampling on at rate bytes per sample (package
// heapsampling turned it off at start), unless rate is 0 or GODEBUG set the rate itself. It
// reports whether it changed the rate.
func applyHeapProfileRate(rate int, godebug string) bool {
	if rate <= 0 || heapsampling.SetByGODEBUG(godebug) {
		return false
	}
	runtime.MemProfileRate = rate
	return true
}

// applyMemoryLimit sets the soft memory limit from the cgroup limit when GOMEMLIMIT is unset, and
// returns the limit it set (0 when it left the runtime's setting alone).
func applyMemoryLimit(o MemoryOptions) int64 {
	_, envSet := os.LookupEnv("GOMEMLIMIT")
	limit, ok := softMemoryLimit(envSet, cgroupMemoryLimit(), o.LimitPercent)
	if !ok {
		return 0
	}
	debug.SetMemoryLimit(limit)
	return limit
}

// softMemoryLimit is the limit to set: percent of the cgroup limit, unless GOMEMLIMIT is set, the
// percentage is off or out of range, or there is no cgroup limit (0 or negative).
func softMemoryLimit(envSet bool, cgroupLimit int64, percent int) (int64, bool) {
	if envSet || percent <= 0 || percent > 100 || cgroupLimit <= 0 {
		return 0, false
	}
	return int64(float64(cgroupLimit) * float64(percent) / 100), true
}

// cgroupMemoryLimit reads the memory limit of this process's cgroup; 0 when there is none or it
// cannot be read.
func cgroupMemoryLimit() int64 {
	raw, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return 0
	}
	for _, f := range cgroupLimitFiles(string(raw)) {
		if v, err := os.ReadFile(f); err == nil {
			return parseCgroupLimit(string(v))
		}
	}
	return 0
}

// cgroupLimitFiles lists, most specific first, the files that may hold this process's memory
// limit, from /proc/self/cgroup: cgroup v2's memory.max ("0::/path"), then cgroup v1's
// memory.limit_in_bytes ("N:memory:/path"). With a cgroup namespace (every container) the paths
// are "/"; without one (a process on a host) they name the process's own group.
func cgroupLimitFiles(procSelfCgroup string) []string {
	var v2, v1 []string
	for line := range strings.Lines(procSelfCgroup) {
		parts := strings.SplitN(strings.TrimSpace(line), ":", 3)
		if len(parts) != 3 {
			continue
		}
		switch {
		case parts[0] == "0" && parts[1] == "":
			v2 = append(v2, filepath.Join("/sys/fs/cgroup", parts[2], "memory.max"))
		case slices.Contains(strings.Split(parts[1], ","), "memory"):
			v1 = append(v1, filepath.Join("/sys/fs/cgroup/memory", parts[2], "memory.limit_in_bytes"))
		}
	}
	return append(v2, v1...)
}

// parseCgroupLimit reads a memory limit file: "max" (v2) or a value so large that it means
// unlimited (v1 reports the page-aligned maximum int64) are no limit.
func parseCgroupLimit(s string) int64 {
	s = strings.TrimSpace(s)
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v <= 0 || v >= math.MaxInt64/2 {
		return 0
	}
	return v
}

// idleReleaser returns memory to the operating system after each burst of reconciles, and,
// while the controller stays idle, again whenever it has allocated idleAllocBudget since: an
// idle controller still allocates (health probes, metrics scrapes, watch events), and each
// collection leaves free pages the runtime would otherwise keep resident up to its heap goal,
// twice the live heap. It runs on every replica (leader or not): a standby replica has its own
// startup garbage.
type idleReleaser struct {
	every time.Duration
	log   logr.Logger
	// reconciles reports how many reconciles have finished so far; allocated how many bytes the
	// program has allocated so far; release frees memory, afterBurst when reconciles (or
	// start-up) ran since the previous release.
	reconciles func() float64
	allocated  func() uint64
	release    func(afterBurst bool)
}

// idleAllocBudget is how much an idle controller allocates before its memory is released again:
// a forced collection of an idle heap costs milliseconds, well worth a MiB of resident memory.
const idleAllocBudget = 1 << 20

// idleTick is the pure decision of one tick: whether to release now, given the reconcile count
// at the previous tick and now, whether a burst ran since the last release, and the bytes
// allocated since the last release.
func idleTick(previous, now float64, dirty bool, allocatedSince uint64) (release, stillDirty bool) {
	if now != previous {
		return false, true
	}
	return dirty || allocatedSince >= idleAllocBudget, false
}

// Start implements manager.Runnable.
func (r *idleReleaser) Start(ctx context.Context) error {
	t := time.NewTicker(r.every)
	defer t.Stop()
	// Startup (caches, schemas, the first list of every kind) is the first burst.
	previous, dirty, mark := r.reconciles(), true, r.allocated()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		now := r.reconciles()
		release, stillDirty := idleTick(previous, now, dirty, r.allocated()-mark)
		afterBurst := dirty
		previous, dirty = now, stillDirty
		if release {
			r.release(afterBurst)
			mark = r.allocated()
			r.log.V(1).Info("idle: returned freed memory to the operating system")
		}
	}
}

// allocatedBytes is the runtime's cumulative count of heap allocations, in bytes.
func allocatedBytes() uint64 {
	sample := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(sample)
	if sample[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return sample[0].Value.Uint64()
}

// NeedLeaderElection implements manager.LeaderElectionRunnable: every replica releases its own.
func (r *idleReleaser) NeedLeaderElection() bool { return false }

// reconcileCount sums controller-runtime's controller_runtime_reconcile_total over every
// controller and result, from the registry the metrics endpoint serves.
func reconcileCount() float64 { return sumReconciles(ctrlmetrics.Registry) }

// sumReconciles sums controller_runtime_reconcile_total in g; -1 when nothing can be gathered.
func sumReconciles(g prometheus.Gatherer) float64 {
	families, err := g.Gather()
	if err != nil {
		// A partial gather still counts what it has; a changed count only delays a release.
		if families == nil {
			return -1
		}
	}
	var n float64
	for _, f := range families {
		if f.GetName() != "controller_runtime_reconcile_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			n += m.GetCounter().GetValue()
		}
	}
	return n
}

// setupMemory applies the memory defaults to a binary's runtime: the profiles' sampling and the
// soft limit now, the idle release as a runnable of the manager.
func setupMemory(rt *Runtime, o MemoryOptions) error {
	log := rt.Log.WithName("memory")
	if applyProfiling(o, os.Getenv("GODEBUG")) {
		log.Info("heap profiling is on", "bytesPerSample", o.HeapProfileRate)
	}
	if limit := applyMemoryLimit(o); limit > 0 {
		log.Info("set the Go soft memory limit from the container memory limit (GOMEMLIMIT is unset)",
			"limitBytes", limit, "percent", o.LimitPercent)
	}
	if o.IdleRelease <= 0 {
		return nil
	}
	return rt.Manager.Add(&idleReleaser{every: o.IdleRelease, log: log,
		reconciles: reconcileCount, allocated: allocatedBytes, release: releaseFunc(o, log)})
}

// releaseFunc returns what a release does: collect (twice, see below) and return the free
// heap; after a burst, with ReleaseExecutable, also the executable's resident pages. The
// executable is released once per burst, not at the idle re-releases: the code an idle
// controller keeps running would otherwise be read back from the disk over and over.
func releaseFunc(o MemoryOptions, log logr.Logger) func(afterBurst bool) {
	warned := false
	return func(afterBurst bool) {
		// Two collections: objects parked in sync.Pools (the gzip writer of every /metrics
		// scrape, 0.8 MB; HTTP/2 gzip readers; encoder buffers) survive the first in the pools'
		// victim caches, and an idle controller may not collect again for a long time.
		runtime.GC()
		debug.FreeOSMemory()
		if !afterBurst || !o.ReleaseExecutable || warned {
			return
		}
		if n, err := releaseExecutable(); err != nil {
			// An older kernel (before 5.4) or another OS: say so once and keep the heap release.
			log.Info("cannot release the executable's resident pages; only the heap is released", "error", err.Error())
			warned = true
		} else {
			log.V(1).Info("idle: asked the kernel to reclaim the executable's resident pages", "bytes", n)
		}
	}
}
