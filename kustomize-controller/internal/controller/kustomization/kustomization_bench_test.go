package kustomization

import (
	"testing"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kustomizev1 "github.com/eddy-gitops/eddy/api/kustomize/v1"
)

// benchKustomization publishes n ConfigMaps and creates a Kustomization for them that only the
// manual reconciler handles.
func benchKustomization(b *testing.B, n int) (client.ObjectKey, string) {
	ns := env.CreateNamespace(b, "bench")
	files := numberedConfigMaps(ns, "cm-%05d", n)
	repo := createSource(b, ns, "repo", files)
	ks := newKustomization(ns, "bench", "repo", "./")
	ks.Labels = map[string]string{manualLabel: "true"}
	env.CreateAndWait(b, ks)
	return client.ObjectKeyFromObject(ks), revisionOf(b, repo)
}

// trustedKustomization creates a Kustomization of n ConfigMaps and reconciles it until its apply
// ran with the shared informers in sync, the state a controller is in after its first reconcile:
// the first reconcile starts the informers, and only an apply made with them in sync is trusted.
func trustedKustomization(b *testing.B, n int) client.ObjectKey {
	key, rev := benchKustomization(b, n)
	for i := 0; ; i++ {
		reconcileOnce(b, key)
		mustBeApplied(b, key, rev)
		ks := &kustomizev1.Kustomization{}
		if err := env.Client.Get(b.Context(), key, ks); err != nil {
			b.Fatal(err)
		}
		if manual.ledger.get(ks) != nil {
			return key
		}
		if i > 100 {
			b.Fatal("the watch never synced")
		}
		time.Sleep(50 * time.Millisecond) // waiting for informers to sync, not an assertion
	}
}

func reconcileOnce(b *testing.B, key client.ObjectKey) {
	if _, err := manual.Reconcile(b.Context(), ctrl.Request{NamespacedName: key}); err != nil {
		b.Fatal(err)
	}
}

// reportStatusWrites reports the status patches per reconcile of the manual reconciler and
// fails the benchmark when they are not exactly want per reconcile (pkg/reconcile.Patcher: one
// request per status write).
func reportStatusWrites(b *testing.B, counts map[string]int, runs, want int) {
	got := counts["PATCH status"]
	b.ReportMetric(float64(got)/float64(runs), "statuswrites/op")
	if got != want*runs {
		b.Errorf("%d status writes in %d reconciles, want %d each", got, runs, want)
	}
}

func reportRequests(b *testing.B, counts map[string]int, objects, runs int) {
	total := 0
	for verb, n := range counts {
		total += n
		b.ReportMetric(float64(n)/float64(objects*runs), verb+"/obj")
	}
	b.ReportMetric(float64(total)/float64(objects*runs), "req/obj")
}

// BenchmarkFirstApply measures the first reconcile of a Kustomization with 1,000 ConfigMaps
// (fetch, build, validation, staged apply), and the API requests it sends per object.
func BenchmarkFirstApply(b *testing.B) {
	const n = 1000
	// Progress is written whatever the reconcile's duration, so the count does not depend on
	// the machine's speed.
	manual.ProgressAfter = -1
	b.Cleanup(func() { manual.ProgressAfter = 0 })
	total, status, runs := map[string]int{}, map[string]int{}, 0
	for b.Loop() {
		b.StopTimer()
		key, rev := benchKustomization(b, n)
		requests.reset()
		statusRequests.reset()
		b.StartTimer()
		reconcileOnce(b, key)
		b.StopTimer()
		for verb, c := range requests.reset() {
			total[verb] += c
		}
		for k, c := range statusRequests.reset() {
			status[k] += c
		}
		mustBeApplied(b, key, rev)
		runs++
		b.StartTimer()
	}
	reportRequests(b, total, n, runs)
	reportStatusWrites(b, status, runs, 2) // progress and outcome
}

// BenchmarkNoopReconcile measures a reconcile of an applied, unchanged Kustomization with 1,000
// ConfigMaps, and the API requests it sends per object.
func BenchmarkNoopReconcile(b *testing.B) {
	const n = 1000
	key := trustedKustomization(b, n)
	requests.reset()
	statusRequests.reset()
	runs := 0
	for b.Loop() {
		reconcileOnce(b, key)
		runs++
	}
	reportRequests(b, requests.reset(), n, runs)
	reportStatusWrites(b, statusRequests.reset(), runs, 0)
}

// BenchmarkSpecChangeReconcile measures the reconcile that follows a change of spec.interval of
// an applied Kustomization with 1,000 ConfigMaps (a field that only schedules reconciles), and
// the API requests it sends per object.
func BenchmarkSpecChangeReconcile(b *testing.B) {
	const n = 1000
	key := trustedKustomization(b, n)
	requests.reset()
	statusRequests.reset()
	runs := 0
	for b.Loop() {
		b.StopTimer()
		changeSpec(b, key, func(k *kustomizev1.Kustomization) { k.Spec.Interval.Duration += time.Minute })
		b.StartTimer()
		reconcileOnce(b, key)
		runs++
	}
	reportRequests(b, requests.reset(), n, runs)
	reportStatusWrites(b, statusRequests.reset(), runs, 1) // observedGeneration
}

func mustBeApplied(b *testing.B, key client.ObjectKey, rev string) {
	ks := &kustomizev1.Kustomization{}
	if err := env.Client.Get(b.Context(), key, ks); err != nil {
		b.Fatal(err)
	}
	if ks.Status.LastAppliedRevision != rev {
		b.Fatalf("not applied: %s", conditions.GetMessage(ks, meta.ReadyCondition))
	}
}
