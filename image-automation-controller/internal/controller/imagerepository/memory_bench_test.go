package imagerepository

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fluxcd/pkg/runtime/conditions"
	"sigs.k8s.io/controller-runtime/pkg/client"

	imagev1 "github.com/eddy-gitops/eddy/api/image/v1"
	"github.com/eddy-gitops/eddy/image-automation-controller/internal/registry/registrytest"
)

// BenchmarkScanMemory scans 50 ImageRepositories of 1,000 tags each with the real reconciler
// against a real API server and registry, then reports the controller process's live heap and
// RSS and the size of the tag store on disk. Run it once:
//
//	go test -run '^$' -bench BenchmarkScanMemory -benchtime 1x ./internal/controller/imagerepository/
func BenchmarkScanMemory(b *testing.B) {
	const repos, tagsPerRepo = 50, 1000
	tags := make([]string, tagsPerRepo)
	for i := range tags {
		tags[i] = fmt.Sprintf("1.%d.%d-build.%08d", i/100, i%100, i*7919)
	}
	var pages atomic.Int32
	reg := registrytest.New(b, registrytest.Options{Handler: registrytest.PagedTags(tags, 100, &pages)})

	for b.Loop() {
		baseHeap, baseRSS := liveHeap(), rss(b)
		ns := env.CreateNamespace(b, "bench")
		start := time.Now()
		for i := range repos {
			obj := newRepo(ns, fmt.Sprintf("app-%02d", i), fmt.Sprintf("%s/team/app-%02d", reg.Host, i))
			if err := env.Client.Create(b.Context(), obj); err != nil {
				b.Fatal(err)
			}
		}
		waitAllScanned(b, ns, repos, tagsPerRepo)
		elapsed := time.Since(start)
		heap, procRSS := liveHeap(), rss(b)
		b.ReportMetric(elapsed.Seconds(), "s-to-scan-all")
		b.ReportMetric(float64(heap)/(1<<20), "heap-MiB")
		b.ReportMetric(float64(int64(heap)-int64(baseHeap))/(1<<20), "heap-delta-MiB")
		b.ReportMetric(float64(procRSS)/(1<<20), "rss-MiB")
		b.ReportMetric(float64(int64(procRSS)-int64(baseRSS))/(1<<20), "rss-delta-MiB")
		b.ReportMetric(float64(dirSize(b, filepath.Join(store.Dir(), ns)))/1024, "store-KiB")
		b.ReportMetric(float64(pages.Load()), "pages-fetched")
	}
}

func waitAllScanned(b *testing.B, ns string, repos, tagsPerRepo int) {
	deadline := time.Now().Add(5 * time.Minute)
	for time.Now().Before(deadline) {
		var list imagev1.ImageRepositoryList
		if err := env.Client.List(b.Context(), &list, client.InNamespace(ns)); err != nil {
			b.Fatal(err)
		}
		done := 0
		for i := range list.Items {
			o := &list.Items[i]
			if conditions.IsReady(o) && o.Status.LastScanResult != nil && o.Status.LastScanResult.TagCount == tagsPerRepo {
				done++
			}
		}
		if done == repos {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	b.Fatal("not every ImageRepository was scanned within 5 minutes")
}

// liveHeap is the heap in use after a full collection: what the process keeps, not garbage.
func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// rss reads VmRSS of this process (Linux).
func rss(b *testing.B) uint64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		b.Skip("no /proc/self/status: RSS is measured on Linux only")
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb * 1024
		}
	}
	return 0
}

func dirSize(b *testing.B, dir string) int64 {
	var total int64
	entries, err := os.ReadDir(dir)
	if err != nil {
		b.Fatal(err)
	}
	for _, e := range entries {
		info, err := e.Info()
		if err != nil {
			b.Fatal(err)
		}
		total += info.Size()
	}
	return total
}
