package main

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kustomizev1 "github.com/eddy-gitops/eddy/api/kustomize/v1"
)

// applyRun is one run of workload 1 (and 2) at one size.
type applyRun struct {
	firstApply   time.Duration
	floor        time.Duration      // the harness's bare apply loop of the same objects (floor.go)
	firstCPU     map[string]float64 // CPU seconds by process during the first apply
	floorCPU     map[string]float64 // and during the floor
	firstPerObj  map[string]float64 // ConfigMap requests per object, by verb
	firstStatus  float64            // status writes during the first apply
	noops        []time.Duration    // from the annotation write's start (the round trip)
	noopStored   []time.Duration    // from the annotation write's answer: the request is stored
	noopFloor    []time.Duration    // the two writes of a no-op, sent by the harness (floor.go)
	ackFloor     []time.Duration    // the second of them alone: the status write a reconcile needs
	reactFloor   []time.Duration    // the status write made by a watch of the harness (floor.go)
	noopPerObj   []float64          // ConfigMap requests per object, all verbs
	noopStatus   []float64          // status writes per no-op reconcile
	drift        time.Duration
	driftOK      bool
	objectsFound int
}

// workloadApply runs workloads 1 and 2: one Kustomization of size ConfigMaps, first apply,
// no-op reconciles requested by annotation, and one drifted object.
func (b *bench) workloadApply(ctx context.Context, size int) ([]applyRun, error) {
	r, err := b.newRepo(fmt.Sprintf("configmaps-%d", size))
	if err != nil {
		return nil, err
	}
	files := map[string]string{}
	var resources []string
	for from := 0; from < size; from += 100 {
		name := fmt.Sprintf("cm-%05d.yaml", from)
		files["configmaps/"+name] = configMaps("cm", from, min(100, size-from), "v1")
		resources = append(resources, name)
	}
	files["configmaps/kustomization.yaml"] = kustomizationFile(resources...)
	rev, err := r.commit(files, "configmaps")
	if err != nil {
		return nil, err
	}
	var runs []applyRun
	for i := range b.opts.runs {
		b.logf("workload 1: %d ConfigMaps, run %d/%d", size, i+1, b.opts.runs)
		run, err := b.applyOnce(ctx, r, rev, size)
		if err != nil {
			return runs, err
		}
		b.logf("workload 1: %d ConfigMaps applied in %s (floor %s); no-op reconcile median %s (floor %s)", size,
			run.firstApply.Round(time.Millisecond), run.floor.Round(time.Millisecond),
			seconds(durations(run.noopStored).median()), seconds(durations(run.ackFloor).median()))
		runs = append(runs, run)
	}
	return runs, nil
}

func (b *bench) applyOnce(ctx context.Context, r *repo, rev string, size int) (run applyRun, err error) {
	ns, err := b.namespace(ctx, fmt.Sprintf("w1-%d", size))
	if err != nil {
		return run, err
	}
	defer func() {
		// Said before the (possibly long) namespace deletion, so the cause shows at once.
		if err != nil {
			b.logf("workload 1 (%d ConfigMaps) failed, cleaning up: %v", size, err)
		}
		b.dropNamespace(ctx, ns)
	}()
	if _, err := b.gitRepository(ctx, ns, "configmaps", r, rev); err != nil {
		return run, err
	}

	if run.floor, run.floorCPU, err = b.applyFloor(ctx, size); err != nil {
		return run, err
	}
	// First apply: from creation until Ready at the revision.
	before, err := b.requests(ctx)
	if err != nil {
		return run, err
	}
	k := kustomization(ns, "configmaps", "configmaps", "./configmaps", false)
	cpu := childCPU()
	start := time.Now()
	if err := b.c.Create(ctx, k); err != nil {
		return run, err
	}
	w, err := b.watchKustomization(ctx, k)
	if err != nil {
		return run, err
	}
	if err := waitWatch(ctx, w, 10*time.Minute, k, func() bool { return readyAt(k, rev) }); err != nil {
		return run, fmt.Errorf("first apply: %w (%s)", err, readyMessage(k.Status.Conditions))
	}
	run.firstApply = time.Since(start)
	run.firstCPU = cpuDelta(cpu, childCPU())
	after, err := b.requests(ctx)
	if err != nil {
		return run, err
	}
	d := after.sub(before)
	run.firstPerObj = perObject(d.byVerb("configmaps", ""), size)
	run.firstStatus = d.statusWrites()
	// Counted after the metrics snapshot: this LIST is ours, not the controller's.
	var cms corev1.ConfigMapList
	if err := b.c.List(ctx, &cms, client.InNamespace(ns)); err != nil {
		return run, err
	}
	for _, cm := range cms.Items {
		if strings.HasPrefix(cm.Name, "cm-") {
			run.objectsFound++
		}
	}
	if run.objectsFound != size {
		return run, fmt.Errorf("Kustomization Ready but %d of %d ConfigMaps exist", run.objectsFound, size)
	}

	// No-op reconciles: requestedAt -> lastHandledReconcileAt, seen on a watch of the
	// Kustomization (polling a Kustomization whose inventory lists every object would load the
	// API server with reads of it while the measured writes run).
	for range b.opts.noops {
		before, err := b.requests(ctx)
		if err != nil {
			return run, err
		}
		w, err := b.watchKustomization(ctx, k)
		if err != nil {
			return run, err
		}
		start := time.Now()
		token, err := b.requestReconcile(ctx, k)
		if err != nil {
			w.Stop()
			return run, err
		}
		// The API server has stored the request when it answers: what follows is the
		// controller's (watch delivery, reconcile, status write) and the watch back to us.
		stored := time.Now()
		err = waitWatch(ctx, w, 5*time.Minute, k, func() bool { return k.Status.LastHandledReconcileAt == token })
		if err != nil {
			return run, fmt.Errorf("no-op reconcile: %w (%s)", err, readyMessage(k.Status.Conditions))
		}
		run.noops = append(run.noops, time.Since(start))
		run.noopStored = append(run.noopStored, time.Since(stored))
		after, err := b.requests(ctx)
		if err != nil {
			return run, err
		}
		d := after.sub(before)
		run.noopPerObj = append(run.noopPerObj, total(d.byVerb("configmaps", ""))/float64(size))
		run.noopStatus = append(run.noopStatus, d.statusWrites())
	}
	floors, err := b.noopFloor(ctx, k)
	if err != nil {
		return run, err
	}
	run.noopFloor, run.ackFloor, run.reactFloor = floors.both, floors.ack, floors.react

	// Drift: another client edits an object; poll until the controller restores it.
	run.drift, run.driftOK, err = b.drift(ctx, ns, "cm-00007", "value-7")
	return run, err
}

// drift overwrites data.key of a ConfigMap with another field manager and polls until the
// value we applied is back.
func (b *bench) drift(ctx context.Context, ns, name, want string) (time.Duration, bool, error) {
	cm := &corev1.ConfigMap{}
	if err := b.c.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, cm); err != nil {
		return 0, false, err
	}
	cm.Data["key"] = "drifted"
	start := time.Now()
	if err := b.c.Update(ctx, cm, client.FieldOwner("bench-drift")); err != nil {
		return 0, false, err
	}
	err := poll(ctx, 10*time.Millisecond, b.opts.driftTimeout, func(ctx context.Context) (bool, error) {
		if err := b.c.Get(ctx, client.ObjectKeyFromObject(cm), cm); err != nil {
			return false, err
		}
		return cm.Data["key"] == want, nil
	})
	if err != nil {
		return b.opts.driftTimeout, false, nil
	}
	return time.Since(start), true, nil
}

// waitKustomization polls a Kustomization until it is Ready at revision.
func (b *bench) waitKustomization(ctx context.Context, k *kustomizev1.Kustomization, rev string, timeout time.Duration) error {
	err := poll(ctx, 20*time.Millisecond, timeout, func(ctx context.Context) (bool, error) {
		if err := b.c.Get(ctx, client.ObjectKeyFromObject(k), k); err != nil {
			return false, err
		}
		return readyAt(k, rev), nil
	})
	if err != nil {
		return fmt.Errorf("Kustomization %s/%s at %s: %w (%s)", k.Namespace, k.Name, rev, err, readyMessage(k.Status.Conditions))
	}
	return nil
}

// dropNamespace deletes a namespace after turning pruning off in its Kustomizations, so that the
// namespace controller removes the objects in bulk instead of kustomize-controller deleting
// them one by one, and waits until it is gone so that the next run starts on a quiet server.
func (b *bench) dropNamespace(ctx context.Context, ns string) {
	var ks kustomizev1.KustomizationList
	if err := b.c.List(ctx, &ks, client.InNamespace(ns)); err == nil {
		for i := range ks.Items {
			patch := client.RawPatch("application/merge-patch+json", []byte(`{"spec":{"prune":false}}`))
			_ = b.c.Patch(ctx, &ks.Items[i], patch)
		}
	}
	obj := &corev1.Namespace{}
	obj.Name = ns
	if err := b.c.Delete(ctx, obj); err != nil {
		b.logf("deleting namespace %s: %v", ns, err)
		return
	}
	err := poll(ctx, 200*time.Millisecond, 5*time.Minute, func(ctx context.Context) (bool, error) {
		err := b.c.Get(ctx, client.ObjectKey{Name: ns}, obj)
		return client.IgnoreNotFound(err) == nil && err != nil, nil
	})
	if err != nil {
		b.logf("namespace %s still terminating: %v", ns, err)
	}
}

// perObject divides per-verb request counts by the number of objects.
func perObject(byVerb map[string]float64, n int) map[string]float64 {
	out := make(map[string]float64, len(byVerb))
	for v, c := range byVerb {
		out[v] = c / float64(n)
	}
	return out
}

// formatVerbs renders per-verb figures sorted by verb with three significant digits, e.g.
// "APPLY 1, GET 2, LIST 0.001", so that a single LIST among thousands of objects still shows.
func formatVerbs(m map[string]float64) string {
	if len(m) == 0 {
		return "none"
	}
	verbs := make([]string, 0, len(m))
	for v := range m {
		verbs = append(verbs, v)
	}
	slices.Sort(verbs)
	parts := make([]string, len(verbs))
	for i, v := range verbs {
		parts[i] = fmt.Sprintf("%s %.3g", v, m[v])
	}
	return strings.Join(parts, ", ")
}

// applyTable summarises workloads 1 and 2 over every size.
func applyTables(results map[int][]applyRun, sizes []int, peak map[string]float64, driftTimeout time.Duration) (table, table) {
	t1 := table{title: "Workload 1: one Kustomization of N ConfigMaps",
		header: []string{"N", "measure", "median (min–max, runs)", "target", "verdict"}}
	t2 := table{title: "Workload 2: drift correction (one ConfigMap edited by another client)",
		header: []string{"N", "time until corrected", "corrected runs", "target", "verdict"}}
	for _, n := range sizes {
		runs := results[n]
		if len(runs) == 0 {
			continue
		}
		var firstRatio, noopRatio, reactRatio sample
		var first, floor, firstReq, firstStatus, noop, noopStored, noopFloor, ackFloor, reactFloor, noopReq, noopStatus, drift sample
		verbs := map[string]float64{}
		corrected := 0
		for _, r := range runs {
			first = append(first, r.firstApply.Seconds())
			floor = append(floor, r.floor.Seconds())
			firstRatio = append(firstRatio, r.firstApply.Seconds()/r.floor.Seconds())
			noopRatio = append(noopRatio, durations(r.noopStored).median()/durations(r.ackFloor).median())
			reactRatio = append(reactRatio, durations(r.noopStored).median()/durations(r.reactFloor).median())
			reactFloor = append(reactFloor, durations(r.reactFloor)...)
			firstReq = append(firstReq, total(r.firstPerObj))
			firstStatus = append(firstStatus, r.firstStatus)
			noop = append(noop, durations(r.noops)...)
			noopStored = append(noopStored, durations(r.noopStored)...)
			noopFloor = append(noopFloor, durations(r.noopFloor)...)
			ackFloor = append(ackFloor, durations(r.ackFloor)...)
			noopReq = append(noopReq, r.noopPerObj...)
			noopStatus = append(noopStatus, r.noopStatus...)
			for v, c := range r.firstPerObj {
				verbs[v] += c / float64(len(runs))
			}
			if r.driftOK {
				corrected++
				drift = append(drift, r.drift.Seconds())
			}
		}
		ns := count(float64(n))
		tgt := func(s string, v float64, ok func(float64) bool) (string, string) {
			if n != 1000 {
				return "(" + s + " at 1,000)", "—"
			}
			return s, verdict(v, ok)
		}
		a, v := tgt("< 1 s", first.median(), below(1))
		t1.add(ns, "first apply (create → Ready at revision, all objects exist)", first.spread(seconds), a, v)
		t1.add(ns, fmt.Sprintf("floor: the harness's bare apply loop of the same objects (concurrency %d)", floorConcurrency), floor.spread(seconds), "", "")
		t1.add(ns, "first apply ÷ floor, each run with its own floor", firstRatio.spread(count), "", "")
		a, v = tgt("≤ 1.1", firstReq.median(), atMost(1.1))
		t1.add(ns, "first apply: ConfigMap requests per object", firstReq.spread(count), a, v)
		t1.add(ns, "first apply: per verb (mean)", formatVerbs(verbs), "", "")
		t1.add(ns, "first apply: status writes", firstStatus.spread(count), "", "")
		t1.add(ns, "first apply: CPU seconds by process (mean)", formatCPU(meanCPU(runs, func(r applyRun) map[string]float64 { return r.firstCPU })), "", "")
		t1.add(ns, "floor: CPU seconds by process (mean)", formatCPU(meanCPU(runs, func(r applyRun) map[string]float64 { return r.floorCPU })), "", "")
		a, v = tgt("< 50 ms", noopStored.median(), below(0.05))
		t1.add(ns, "no-op reconcile (requestedAt stored → lastHandledReconcileAt seen)", noopStored.spread(seconds), a, v)
		t1.add(ns, "floor: the harness writes lastHandledReconcileAt to a suspended copy", ackFloor.spread(seconds), "", "")
		t1.add(ns, "no-op reconcile ÷ floor, medians of each run", noopRatio.spread(count), "", "")
		t1.add(ns, "floor with a watch: a watch of the harness answers requestedAt with lastHandledReconcileAt (stored → seen)", reactFloor.spread(seconds), "", "")
		t1.add(ns, "no-op reconcile ÷ floor with a watch, medians of each run", reactRatio.spread(count), "", "")
		t1.add(ns, "no-op round trip (requestedAt write sent → lastHandledReconcileAt seen)", noop.spread(seconds), "", "")
		t1.add(ns, "floor: the harness writes requestedAt, then lastHandledReconcileAt, to a suspended copy", noopFloor.spread(seconds), "", "")
		a, v = tgt("0", noopReq.median(), exactly(0))
		t1.add(ns, "no-op: ConfigMap requests per object", noopReq.spread(count), a, v)
		a, v = tgt("≤ 1", noopStatus.median(), atMost(1))
		t1.add(ns, "no-op: status writes per reconcile", noopStatus.spread(count), a, v)
		med := math.NaN()
		if corrected == len(runs) {
			med = drift.median()
		}
		t2.add(ns, drift.spread(seconds), fmt.Sprintf("%d/%d (timeout %s)", corrected, len(runs), driftTimeout),
			"< 2 s", verdict(med, below(2)))
	}
	for _, name := range []string{"source-controller", "kustomize-controller"} {
		t1.add("all", "peak RSS (VmHWM) of "+name+" after workload 1", mib(peak[name]), "", "")
	}
	t1.notes = []string{
		"requests: increase of kube-apiserver apiserver_request_total (all clients) for resource configmaps, divided by N; the harness sends none during the measured window; status writes: PATCH/PUT/APPLY on kustomizations/status",
		"times are wall clock seen by the harness, on a watch of the Kustomization: first apply from its creation until Ready at the revision; no-op reconcile from the answer to the harness's annotation write (the request is stored) until lastHandledReconcileAt, and its round trip from the start of that write",
		"floors: what the API server on this machine allows, the same requests sent by the harness alone (hack/bench/floor.go); the floor with a watch is a controller that does nothing but answer: a goroutine of the harness, watching the suspended copy, writes lastHandledReconcileAt as soon as it sees requestedAt",
		"CPU seconds: utime+stime from /proc of the harness (bench) and of each process it started, over the measured interval",
	}
	t2.notes = []string{"a run that is not corrected within the timeout counts as a miss; the median is then not reported"}
	return t1, t2
}
