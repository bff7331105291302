package gitrepository

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fluxcd/pkg/runtime/conditions"

	sourcev1 "github.com/eddy-gitops/eddy/api/source/v1"
	"github.com/eddy-gitops/eddy/source-controller/internal/git/gittest"
)

// Benchmark sizes: a repository of benchFiles files of benchFileSize random (incompressible)
// bytes, i.e. 5,000 files / 50 MiB.
const (
	benchFiles    = 5000
	benchFileSize = 50 << 20 / benchFiles
	benchNoChange = 10
)

// BenchmarkGitRepository_large measures, for a 5,000-file / 50 MiB repository served over smart
// HTTP, the time from creating a GitRepository to Ready with its first artifact, the time and
// bytes of a no-change reconcile (requested with reconcile.fluxcd.io/requestedAt), and the peak
// Go heap (HeapInuse, sampled every 10ms; idle-heap-MiB is the value just before) and the
// process's peak RSS (VmHWM, reset after the repository is generated) while the first artifact
// is built. The test process also runs the manager and the Git HTTP server. Run it with:
//
//	go test ./internal/controller/gitrepository/ -run '^$' -bench BenchmarkGitRepository_large -benchtime 1x
//
// Times are wall clock as seen by a client polling the API server every 5ms.
func BenchmarkGitRepository_large(b *testing.B) {
	srv := gittest.NewServer(b, "", "")
	generateRepo(b, filepath.Join(srv.Root(), "large.git"))
	runtime.GC()
	resetPeakRSS(b)
	ns := env.CreateNamespace(b, "git-bench")

	for i := 0; i < b.N; i++ {
		obj := newGitRepository(ns, fmt.Sprintf("large-%d", i), srv.RepoURL("large.git"))
		srv.ResetCounters()
		runtime.GC()
		var base runtime.MemStats
		runtime.ReadMemStats(&base)
		stop := sampleHeap()
		start := time.Now()
		if err := env.Client.Create(b.Context(), obj); err != nil {
			b.Fatal(err)
		}
		got := pollUntil(b, obj, func(o *sourcev1.GitRepository) bool {
			return conditions.IsReady(o) && o.Status.Artifact != nil
		})
		first := time.Since(start)
		peakHeap := stop()
		cloneBytes := srv.BytesSent.Load()

		var durations []time.Duration
		var bytes, uploads int64
		for range benchNoChange {
			srv.ResetCounters()
			token := fmt.Sprintf("%d", time.Now().UnixNano())
			start := time.Now()
			requestReconcileB(b, obj, token)
			pollUntil(b, obj, func(o *sourcev1.GitRepository) bool { return o.Status.LastHandledReconcileAt == token })
			durations = append(durations, time.Since(start))
			bytes += srv.BytesSent.Load()
			uploads += srv.UploadPacks.Load()
		}
		sort.Slice(durations, func(i, j int) bool { return durations[i] < durations[j] })

		b.ReportMetric(first.Seconds(), "first-artifact-s")
		b.ReportMetric(float64(cloneBytes)/(1<<20), "clone-MiB")
		b.ReportMetric(float64(*got.Status.Artifact.Size)/(1<<20), "artifact-MiB")
		b.ReportMetric(float64(durations[len(durations)/2].Milliseconds()), "nochange-median-ms")
		b.ReportMetric(float64(bytes)/benchNoChange, "nochange-bytes")
		b.ReportMetric(float64(uploads), "nochange-upload-packs")
		b.ReportMetric(float64(base.HeapInuse)/(1<<20), "idle-heap-MiB")
		b.ReportMetric(float64(peakHeap)/(1<<20), "peak-heap-MiB")
		b.ReportMetric(float64(peakRSS(b))/(1<<20), "peak-rss-MiB")
	}
}

// generateRepo writes the benchmark repository with the git CLI (another process, so that its
// memory does not count) and stores it bare at dst.
func generateRepo(b *testing.B, dst string) {
	b.Helper()
	work := b.TempDir()
	rng := rand.New(rand.NewChaCha8([32]byte{1}))
	buf := make([]byte, benchFileSize)
	for i := range benchFiles {
		dir := filepath.Join(work, fmt.Sprintf("dir%03d", i/100))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			b.Fatal(err)
		}
		for j := range buf {
			buf[j] = byte(rng.Uint32())
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("file%04d.yaml", i)), buf, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	for _, args := range [][]string{
		{"-C", work, "init", "-q", "-b", "master"},
		{"-C", work, "add", "."},
		{"-C", work, "-c", "user.name=bench", "-c", "user.email=bench@eddy.invalid", "commit", "-q", "-m", "5000 files"},
		{"clone", "-q", "--bare", work, dst},
	} {
		if out, err := exec.Command("git", args...).CombinedOutput(); err != nil {
			b.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
}

func pollUntil(b *testing.B, obj *sourcev1.GitRepository, done func(*sourcev1.GitRepository) bool) *sourcev1.GitRepository {
	b.Helper()
	deadline := time.Now().Add(5 * time.Minute)
	for time.Now().Before(deadline) {
		cur := &sourcev1.GitRepository{}
		if err := env.Client.Get(b.Context(), keyOf(obj), cur); err == nil && done(cur) {
			return cur
		}
		time.Sleep(5 * time.Millisecond)
	}
	b.Fatalf("%s/%s did not reach the expected state", obj.Namespace, obj.Name)
	return nil
}

func requestReconcileB(b *testing.B, obj *sourcev1.GitRepository, token string) {
	b.Helper()
	cur := &sourcev1.GitRepository{}
	if err := env.Client.Get(b.Context(), keyOf(obj), cur); err != nil {
		b.Fatal(err)
	}
	if cur.Annotations == nil {
		cur.Annotations = map[string]string{}
	}
	cur.Annotations["reconcile.fluxcd.io/requestedAt"] = token
	if err := env.Client.Update(b.Context(), cur); err != nil {
		b.Fatal(err)
	}
}

// sampleHeap samples the Go heap every 10ms until the returned func is called; it returns the
// highest HeapInuse seen.
func sampleHeap() func() uint64 {
	var peak atomic.Uint64
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
	}()
	return func() uint64 {
		close(done)
		<-stopped
		return peak.Load()
	}
}

// resetPeakRSS resets the kernel's high-water mark of this process's RSS (Linux).
func resetPeakRSS(b *testing.B) {
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		b.Logf("cannot reset the peak RSS (%v); peak-rss-MiB includes the setup", err)
	}
}

// peakRSS reads VmHWM from /proc/self/status, in bytes.
func peakRSS(b *testing.B) uint64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		b.Logf("no /proc/self/status: %v", err)
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}
