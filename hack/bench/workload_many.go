package main

import (
	"context"
	"fmt"
	"os"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kustomizev1 "github.com/eddy-gitops/eddy/api/kustomize/v1"
)

// manyResult is workload 3: many Kustomizations of one GitRepository.
type manyResult struct {
	apps           int
	initial        time.Duration     // creation → all Ready at the first revision
	allPaths       time.Duration     // commit touching every path, trigger → all Ready at it
	extractions    int               // new digest directories in the artifact cache for that commit
	allPathsWork   kustomizeCounters // kustomize-controller's counters for that commit
	onePathWork    kustomizeCounters // and for the one-path commit
	onePath        time.Duration     // commit touching one path, trigger → all Ready at it
	onePathWriters int               // Kustomizations whose objects were written for that commit
	onePathReq     map[string]float64
	ns             string
}

// workloadMany runs workload 3 and leaves its namespace in place for the idle workload.
func (b *bench) workloadMany(ctx context.Context, apps int) (*manyResult, error) {
	res := &manyResult{apps: apps}
	r, err := b.newRepo("many")
	if err != nil {
		return nil, err
	}
	appFiles := func(version string, only int) map[string]string {
		files := map[string]string{}
		for i := range apps {
			if only >= 0 && i != only {
				continue
			}
			dir := fmt.Sprintf("apps/app-%03d/", i)
			files[dir+"configmaps.yaml"] = configMaps(fmt.Sprintf("app-%03d", i), 0, 5, version)
			files[dir+"kustomization.yaml"] = kustomizationFile("configmaps.yaml")
		}
		return files
	}
	rev, err := r.commit(appFiles("v1", -1), "apps v1")
	if err != nil {
		return nil, err
	}
	if res.ns, err = b.namespace(ctx, "w3"); err != nil {
		return nil, err
	}
	gr, err := b.gitRepository(ctx, res.ns, "apps", r, rev)
	if err != nil {
		return nil, err
	}
	ks := make([]client.Object, apps)
	for i := range apps {
		ks[i] = kustomization(res.ns, fmt.Sprintf("app-%03d", i), "apps", fmt.Sprintf("./apps/app-%03d", i), false)
	}
	start := time.Now()
	if err := b.createAll(ctx, ks); err != nil {
		return nil, err
	}
	if err := b.waitAll(ctx, res.ns, rev, apps, 10*time.Minute); err != nil {
		return nil, err
	}
	res.initial = time.Since(start)

	// One commit touching every path.
	cache := b.cacheEntries()
	work, err := b.kustomizeCounters(ctx)
	if err != nil {
		return nil, err
	}
	if rev, err = r.commit(appFiles("v2", -1), "apps v2"); err != nil {
		return nil, err
	}
	start = time.Now()
	if _, err := b.requestReconcile(ctx, gr); err != nil {
		return nil, err
	}
	if err := b.waitAll(ctx, res.ns, rev, apps, 10*time.Minute); err != nil {
		return nil, err
	}
	res.allPaths = time.Since(start)
	workAfter, err := b.kustomizeCounters(ctx)
	if err != nil {
		return nil, err
	}
	res.allPathsWork, work = workAfter.sub(work), workAfter
	for name := range b.cacheEntries() {
		if !cache[name] {
			res.extractions++
		}
	}

	// One commit touching one path: which Kustomizations write their objects?
	versions, err := b.objectVersions(ctx, res.ns)
	if err != nil {
		return nil, err
	}
	if rev, err = r.commit(appFiles("v3", 0), "app-000 v3"); err != nil {
		return nil, err
	}
	before, err := b.requests(ctx)
	if err != nil {
		return nil, err
	}
	start = time.Now()
	if _, err := b.requestReconcile(ctx, gr); err != nil {
		return nil, err
	}
	if err := b.waitAll(ctx, res.ns, rev, apps, 10*time.Minute); err != nil {
		return nil, err
	}
	res.onePath = time.Since(start)
	if workAfter, err = b.kustomizeCounters(ctx); err != nil {
		return nil, err
	}
	res.onePathWork = workAfter.sub(work)
	after, err := b.requests(ctx)
	if err != nil {
		return nil, err
	}
	res.onePathReq = after.sub(before).byVerb("configmaps", "")
	now, err := b.objectVersions(ctx, res.ns)
	if err != nil {
		return nil, err
	}
	changed := map[string]bool{}
	for name, rv := range now {
		if versions[name] != rv {
			changed[name[:len("app-000")]] = true
		}
	}
	res.onePathWriters = len(changed)
	return res, nil
}

// waitAll waits (on a watch) until n Kustomizations of a namespace are Ready at revision.
func (b *bench) waitAll(ctx context.Context, ns, rev string, n int, timeout time.Duration) error {
	err := b.waitCount(ctx, &kustomizev1.KustomizationList{}, ns, n, timeout,
		func(obj client.Object) bool { return readyAt(obj.(*kustomizev1.Kustomization), rev) },
		func(obj client.Object) string {
			return obj.GetName() + ": " + readyMessage(obj.(*kustomizev1.Kustomization).Status.Conditions)
		})
	if err != nil {
		return fmt.Errorf("Kustomizations in %s at %s: %w", ns, rev, err)
	}
	return nil
}

// objectVersions maps every ConfigMap of a namespace created by the harness to its resourceVersion.
func (b *bench) objectVersions(ctx context.Context, ns string) (map[string]string, error) {
	var list corev1.ConfigMapList
	if err := b.c.List(ctx, &list, client.InNamespace(ns)); err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, it := range list.Items {
		if len(it.GetName()) > len("app-000") && it.GetName()[:4] == "app-" {
			out[it.GetName()] = it.GetResourceVersion()
		}
	}
	return out, nil
}

// cacheEntries lists the directory names in kustomize-controller's artifact cache.
func (b *bench) cacheEntries() map[string]bool {
	out := map[string]bool{}
	entries, _ := os.ReadDir(b.cacheDir)
	for _, e := range entries {
		if e.IsDir() {
			out[e.Name()] = true
		}
	}
	return out
}

func manyTable(r *manyResult) table {
	t := table{title: fmt.Sprintf("Workload 3: %d Kustomizations × 5 ConfigMaps from one GitRepository", r.apps),
		header: []string{"measure", "value", "target", "verdict"}}
	t.add("initial: create all → all Ready", seconds(r.initial.Seconds()), "", "")
	t.add("commit touching all paths: trigger → all Ready at the new revision", seconds(r.allPaths.Seconds()), "", "")
	t.add("extractions for that commit (eddy_kustomize_artifact_extractions_total)", count(r.allPathsWork.extractions), "1", verdict(r.allPathsWork.extractions, exactly(1)))
	t.add("new digest directories in --artifact-cache-dir (cross-check)", count(float64(r.extractions)), "1", verdict(float64(r.extractions), exactly(1)))
	t.add("builds for that commit (built / cached)", fmt.Sprintf("%.0f / %.0f", r.allPathsWork.built, r.allPathsWork.cached), "", "")
	t.add("commit touching one path: trigger → all Ready at the new revision", seconds(r.onePath.Seconds()), "", "")
	t.add("Kustomizations rebuilt for that commit (eddy_kustomize_builds_total{result=\"built\"})", count(r.onePathWork.built), "1", verdict(r.onePathWork.built, exactly(1)))
	t.add("extractions for that commit", count(r.onePathWork.extractions), "1", verdict(r.onePathWork.extractions, exactly(1)))
	t.add("Kustomizations whose objects were written (resourceVersion changed)", count(float64(r.onePathWriters)), "1", verdict(float64(r.onePathWriters), exactly(1)))
	t.add("ConfigMap requests for the one-path commit, by verb", formatVerbs(r.onePathReq), "", "")
	t.notes = []string{
		"trigger: reconcile.fluxcd.io/requestedAt on the GitRepository; extractions and builds are kustomize-controller's own counters from its /metrics (a Kustomization counts as rebuilt when kustomize ran for it; \"cached\" reused its last build because the inputs of its path did not change)",
		"one run only (the workload's namespace stays loaded for workload 6)",
	}
	return t
}
