package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"
)

// unitManifests is one unit of workload 4: a Deployment scaled to zero (Available without a
// kubelet thanks to kube-controller-manager), a ServiceAccount, a Service and a ConfigMap.
func unitManifests(name string) string {
	return fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: %[1]s
spec:
  replicas: 0
  selector:
    matchLabels:
      app: %[1]s
  template:
    metadata:
      labels:
        app: %[1]s
    spec:
      serviceAccountName: %[1]s
      containers:
      - name: app
        image: registry.invalid/bench/app:1.0.0
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: %[1]s
---
apiVersion: v1
kind: Service
metadata:
  name: %[1]s
spec:
  selector:
    app: %[1]s
  ports:
  - port: 80
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: %[1]s
data:
  key: value
`, name)
}

// unitObjects are the objects of one unit of workload 4 (unitManifests), in namespace ns.
func unitObjects(ns, name string) ([]client.Object, error) {
	var objs []client.Object
	for _, doc := range strings.Split(unitManifests(name), "\n---\n") {
		u := &unstructured.Unstructured{}
		if err := yaml.Unmarshal([]byte(doc), &u.Object); err != nil {
			return nil, err
		}
		u.SetNamespace(ns)
		objs = append(objs, u)
	}
	return objs, nil
}

// waitRun is one run of workload 4.
type waitRun struct {
	allReady     time.Duration
	floor        time.Duration      // the harness applies the same objects and waits (floor.go)
	statusWrites float64            // per Kustomization
	perUnit      map[string]float64 // API requests per unit, all clients, by resource and verb
	cpu          map[string]float64 // CPU seconds by process during the run
	floorCPU     map[string]float64 // and during the floor
	// floorK is the floor plus the Kustomizations' own writes (floor_kustomizations.go).
	floorK    time.Duration
	floorKCPU map[string]float64
}

// workloadWait runs workload 4: units Kustomizations with wait: true, created at once.
func (b *bench) workloadWait(ctx context.Context, units int) ([]waitRun, error) {
	r, err := b.newRepo(fmt.Sprintf("units-%d", units))
	if err != nil {
		return nil, err
	}
	files := map[string]string{}
	for i := range units {
		dir := fmt.Sprintf("units/unit-%04d/", i)
		files[dir+"unit.yaml"] = unitManifests(fmt.Sprintf("unit-%04d", i))
		files[dir+"kustomization.yaml"] = kustomizationFile("unit.yaml")
	}
	rev, err := r.commit(files, "units")
	if err != nil {
		return nil, err
	}
	n := b.opts.runs
	if units >= 1000 {
		n = b.opts.largeRuns
	}
	var runs []waitRun
	for i := range n {
		b.logf("workload 4: %d units with wait, run %d/%d", units, i+1, n)
		run, err := b.waitOnce(ctx, r, rev, units)
		if err != nil {
			return runs, err
		}
		runs = append(runs, run)
	}
	return runs, nil
}

func (b *bench) waitOnce(ctx context.Context, r *repo, rev string, units int) (waitRun, error) {
	var run waitRun
	floor, floorCPU, err := b.waitFloor(ctx, units)
	if err != nil {
		return run, err
	}
	run.floor, run.floorCPU = floor, floorCPU
	if run.floorK, run.floorKCPU, err = b.waitFloorWithKustomizations(ctx, units, rev); err != nil {
		return run, err
	}
	ns, err := b.namespace(ctx, fmt.Sprintf("w4-%d", units))
	if err != nil {
		return run, err
	}
	defer b.dropNamespace(ctx, ns)
	if _, err := b.gitRepository(ctx, ns, "units", r, rev); err != nil {
		return run, err
	}
	before, err := b.requests(ctx)
	if err != nil {
		return run, err
	}
	ks := make([]client.Object, units)
	for i := range units {
		name := fmt.Sprintf("unit-%04d", i)
		ks[i] = kustomization(ns, name, "units", "./units/"+name, true)
	}
	cpu := childCPU()
	start := time.Now()
	if err := b.createAll(ctx, ks); err != nil {
		return run, err
	}
	if err := b.waitAll(ctx, ns, rev, units, 15*time.Minute); err != nil {
		return run, err
	}
	run.allReady = time.Since(start)
	run.cpu = cpuDelta(cpu, childCPU())
	after, err := b.requests(ctx)
	if err != nil {
		return run, err
	}
	run.statusWrites = after.sub(before).statusWrites() / float64(units)
	run.perUnit = map[string]float64{}
	for k, v := range after.sub(before) {
		run.perUnit[k.String()] = v / float64(units)
	}
	// The table keeps requests of at least 0.5 per unit; the log has them all, so that a rare
	// but large request (a LIST) is not lost.
	b.logf("workload 4: %d units ready in %s; all API requests per unit: %s", units,
		run.allReady.Round(time.Millisecond), formatVerbs(run.perUnit))
	return run, nil
}

func waitTable(units int, runs []waitRun) table {
	t := table{title: fmt.Sprintf("Workload 4: %d units (Deployment replicas 0, ServiceAccount, Service, ConfigMap) with wait: true", units),
		header: []string{"measure", "median (min–max, runs)", "target", "verdict"}}
	var ready, floor, ratio, floorK, ratioK, writes sample
	for _, r := range runs {
		ready = append(ready, r.allReady.Seconds())
		floor = append(floor, r.floor.Seconds())
		ratio = append(ratio, r.allReady.Seconds()/r.floor.Seconds())
		floorK = append(floorK, r.floorK.Seconds())
		ratioK = append(ratioK, r.allReady.Seconds()/r.floorK.Seconds())
		writes = append(writes, r.statusWrites)
	}
	target, limit := "(< 4 s at 100 units)", 0.0
	switch units {
	case 100:
		target, limit = "< 4 s", 4
	case 1000:
		target, limit = "< 30 s", 30
	}
	v := "—"
	if limit > 0 {
		v = verdict(ready.median(), below(limit))
	}
	t.add("create all Kustomizations → all Ready", ready.spread(seconds), target, v)
	t.add(fmt.Sprintf("floor: the harness applies the same objects (concurrency %d) → all Deployments Available", floorConcurrency), floor.spread(seconds), "", "")
	t.add("Eddy ÷ floor, each run with its own floor", ratio.spread(count), "", "")
	t.add("floor with the Kustomizations: the same, plus each Kustomization created, its metadata written once and its status once (Ready, inventory) when its Deployment is Available", floorK.spread(seconds), "", "")
	t.add("Eddy ÷ floor with the Kustomizations", ratioK.spread(count), "", "")
	t.add("status writes per Kustomization", writes.spread(count), "≤ 3", verdict(writes.median(), atMost(3)))
	t.add("API requests per unit, all clients (≥ 0.5 per unit; mean)", formatVerbs(meanPerUnit(runs, 0.5)), "", "")
	t.add("CPU seconds by process, create → all Ready (mean)", formatCPU(meanCPU(runs, func(r waitRun) map[string]float64 { return r.cpu })), "", "")
	t.add("CPU seconds by process, floor (mean)", formatCPU(meanCPU(runs, func(r waitRun) map[string]float64 { return r.floorCPU })), "", "")
	t.add("CPU seconds by process, floor with the Kustomizations (mean)", formatCPU(meanCPU(runs, func(r waitRun) map[string]float64 { return r.floorKCPU })), "", "")
	t.notes = []string{"status writes: PATCH/PUT/APPLY on kustomizations/status from apiserver_request_total, divided by the number of Kustomizations",
		"floor with the Kustomizations: the requests no controller serving Flux's API can skip (the user's create, the finalizer's write, one status write), sent by the harness itself; no build, validation, event or health read (hack/bench/floor_kustomizations.go)",
		"CPU seconds: utime+stime from /proc of the harness (bench) and of each process it started, over the measured interval; the machine has 2 cores, so 2 CPU seconds per second of wall clock at most"}
	return t
}

// meanCPU averages the CPU seconds by process of the runs.
func meanCPU[R any](runs []R, of func(R) map[string]float64) map[string]float64 {
	out := map[string]float64{}
	for _, r := range runs {
		for k, v := range of(r) {
			out[k] += v / float64(len(runs))
		}
	}
	return out
}

// meanPerUnit averages the per-unit request counts of the runs, keeping those of at least min.
func meanPerUnit(runs []waitRun, min float64) map[string]float64 {
	out := map[string]float64{}
	for _, r := range runs {
		for k, v := range r.perUnit {
			out[k] += v / float64(len(runs))
		}
	}
	for k, v := range out {
		if v < min {
			delete(out, k)
		}
	}
	return out
}
