package main

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	"golang.org/x/sync/errgroup"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kustomizev1 "github.com/eddy-gitops/eddy/api/kustomize/v1"
)

// floorConcurrency is the concurrency of the floor loop, that of kustomize-controller's
// default --concurrent-ssa.
const floorConcurrency = 16

// applyFloor measures what the API server on this machine allows: the harness itself writes
// size ConfigMaps like those of workload 1 (same names, data and owner labels) with one
// server-side apply each, floorConcurrency at a time, into a fresh namespace. No build, no
// validation, no status: the time a controller that did nothing but apply would need.
func (b *bench) applyFloor(ctx context.Context, size int) (time.Duration, map[string]float64, error) {
	ns, err := b.namespace(ctx, fmt.Sprintf("floor-%d", size))
	if err != nil {
		return 0, nil, err
	}
	defer b.dropNamespace(ctx, ns)
	objs := make([]client.Object, size)
	for i := range objs {
		objs[i] = &corev1.ConfigMap{
			TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
			ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: fmt.Sprintf("cm-%05d", i), Labels: map[string]string{
				"kustomize.toolkit.fluxcd.io/name": "configmaps", "kustomize.toolkit.fluxcd.io/namespace": ns}},
			Data: map[string]string{"key": fmt.Sprintf("value-%d", i), "version": "v1"},
		}
	}
	cpu := childCPU()
	start := time.Now()
	if err := b.applyAll(ctx, objs); err != nil {
		return 0, nil, fmt.Errorf("floor apply: %w", err)
	}
	return time.Since(start), cpuDelta(cpu, childCPU()), nil
}

// applyAll server-side-applies objs, floorConcurrency at a time (applyOne).
func (b *bench) applyAll(ctx context.Context, objs []client.Object) error {
	return eachConcurrently(ctx, objs, b.applyOne)
}

// applyOne server-side-applies o as the harness's field owner.
func (b *bench) applyOne(ctx context.Context, o client.Object) error {
	return b.c.Patch(ctx, o, client.Apply, client.ForceOwnership, client.FieldOwner("bench-floor"))
}

// createAll creates objs, floorConcurrency at a time: the workloads create their
// Kustomizations the way the floors apply their objects, so that neither waits on the other's
// sequential round trips.
func (b *bench) createAll(ctx context.Context, objs []client.Object) error {
	return eachConcurrently(ctx, objs, func(ctx context.Context, o client.Object) error { return b.c.Create(ctx, o) })
}

// eachConcurrently runs send for every item (objects to write, indexes of requests),
// floorConcurrency at a time, and returns the first error.
func eachConcurrently[T any](ctx context.Context, items []T, send func(context.Context, T) error) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(floorConcurrency)
	for _, it := range items {
		g.Go(func() error { return send(gctx, it) })
	}
	return g.Wait()
}

// noopFloors are the floors of a no-op reconcile requested by annotation (noopFloor).
type noopFloors struct {
	both  []time.Duration // the annotation and the status write, back to back, from the first's start
	ack   []time.Duration // the status write alone
	react []time.Duration // from the stored annotation to the status written by a watch of the harness
}

// noopFloor measures the two writes every no-op reconcile requested by annotation needs: the
// annotation itself and the status that acknowledges it. The harness sends both, back to back,
// to a suspended copy of k that carries k's status (so the same inventory): the least any
// controller could take, with no watch delay and no work in between. ack is the second write
// alone, the floor of the reconcile once the request is stored. react adds what a controller
// cannot skip either: learning of the request from a watch. A watch of the harness, opened
// before the annotation is written, answers it with the status write at once; the time runs
// from the annotation's answer, as the reconcile's does, to the status seen on another watch.
func (b *bench) noopFloor(ctx context.Context, k *kustomizev1.Kustomization) (noopFloors, error) {
	var f noopFloors
	cp := &kustomizev1.Kustomization{ObjectMeta: metav1.ObjectMeta{Namespace: k.Namespace, Name: k.Name + "-floor"}, Spec: *k.Spec.DeepCopy()}
	cp.Spec.Suspend = true
	if err := b.c.Create(ctx, cp); err != nil {
		return f, fmt.Errorf("no-op floor: %w", err)
	}
	status := map[string]any{"status": k.Status}
	raw, err := json.Marshal(status)
	if err != nil {
		return f, err
	}
	if err := b.c.Status().Patch(ctx, cp, client.RawPatch(types.MergePatchType, raw)); err != nil {
		return f, fmt.Errorf("no-op floor: copying the status: %w", err)
	}
	for range b.opts.noops {
		start := time.Now()
		token, err := b.requestReconcile(ctx, cp)
		if err != nil {
			return f, err
		}
		stored := time.Now()
		if err := b.acknowledge(ctx, cp, token); err != nil {
			return f, fmt.Errorf("no-op floor: %w", err)
		}
		f.both = append(f.both, time.Since(start))
		f.ack = append(f.ack, time.Since(stored))

		d, err := b.reactiveNoop(ctx, cp)
		if err != nil {
			return f, fmt.Errorf("no-op floor with a watch: %w", err)
		}
		f.react = append(f.react, d)
	}
	return f, nil
}

// acknowledge writes token as k's status.lastHandledReconcileAt.
func (b *bench) acknowledge(ctx context.Context, k client.Object, token string) error {
	patch := fmt.Appendf(nil, `{"status":{"lastHandledReconcileAt":%q}}`, token)
	return b.c.Status().Patch(ctx, k, client.RawPatch(types.MergePatchType, patch))
}

// reactiveNoop is one sample of the floor with a watch: a goroutine of the harness watches cp and
// acknowledges the first reconcile request it sees, while the harness writes the request and
// waits, on a watch of its own, for the acknowledgement.
func (b *bench) reactiveNoop(ctx context.Context, cp *kustomizev1.Kustomization) (time.Duration, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	react, err := b.watchKustomization(ctx, cp)
	if err != nil {
		return 0, err
	}
	observe, err := b.watchKustomization(ctx, cp)
	if err != nil {
		react.Stop()
		return 0, err
	}
	reacted := make(chan error, 1)
	go func() {
		defer react.Stop()
		for ev := range react.ResultChan() {
			got, ok := ev.Object.(*kustomizev1.Kustomization)
			if !ok {
				continue
			}
			if v := got.GetAnnotations()[meta.ReconcileRequestAnnotation]; v != "" && v != got.Status.LastHandledReconcileAt {
				reacted <- b.acknowledge(ctx, got, v)
				return
			}
		}
		reacted <- fmt.Errorf("the watch closed before the request was seen")
	}()
	token, err := b.requestReconcile(ctx, cp)
	if err != nil {
		observe.Stop()
		return 0, err
	}
	stored := time.Now()
	if err := waitWatch(ctx, observe, time.Minute, cp, func() bool { return cp.Status.LastHandledReconcileAt == token }); err != nil {
		return 0, err
	}
	d := time.Since(stored)
	if err := <-reacted; err != nil {
		return 0, err
	}
	return d, nil
}

// watchKustomization opens a watch on k alone, from its current resourceVersion, so that every
// later change arrives once.
func (b *bench) watchKustomization(ctx context.Context, k *kustomizev1.Kustomization) (watch.Interface, error) {
	return b.c.Watch(ctx, &kustomizev1.KustomizationList{}, client.InNamespace(k.Namespace),
		client.MatchingFields{"metadata.name": k.Name},
		&client.ListOptions{Raw: &metav1.ListOptions{ResourceVersion: k.ResourceVersion}})
}

// waitWatch reads w into k until done holds or timeout passes, then stops w.
func waitWatch(ctx context.Context, w watch.Interface, timeout time.Duration, k *kustomizev1.Kustomization, done func() bool) error {
	defer w.Stop()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		select {
		case ev, ok := <-w.ResultChan():
			if !ok {
				return fmt.Errorf("the watch closed")
			}
			if got, isK := ev.Object.(*kustomizev1.Kustomization); isK {
				got.DeepCopyInto(k)
				if done() {
					return nil
				}
			}
		case <-timer.C:
			return fmt.Errorf("not reached within %s", timeout)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// waitFloor measures what workload 4 cannot go below on this machine: the harness applies the
// same objects (one server-side apply each, floorConcurrency at a time) into a fresh namespace
// and waits until kube-controller-manager reports every Deployment Available. No Kustomization,
// no build, no status.
func (b *bench) waitFloor(ctx context.Context, units int) (time.Duration, map[string]float64, error) {
	ns, err := b.namespace(ctx, fmt.Sprintf("w4floor-%d", units))
	if err != nil {
		return 0, nil, err
	}
	defer b.dropNamespace(ctx, ns)
	var objs []client.Object
	for i := range units {
		unit, err := unitObjects(ns, fmt.Sprintf("unit-%04d", i))
		if err != nil {
			return 0, nil, err
		}
		objs = append(objs, unit...)
	}
	cpu := childCPU()
	start := time.Now()
	if err := b.applyAll(ctx, objs); err != nil {
		return 0, nil, fmt.Errorf("workload 4 floor: %w", err)
	}
	err = b.waitCount(ctx, &appsv1.DeploymentList{}, ns, units, 15*time.Minute,
		func(obj client.Object) bool {
			d := obj.(*appsv1.Deployment)
			return deploymentAvailable(*d)
		},
		func(obj client.Object) string { return obj.GetName() })
	if err != nil {
		return 0, nil, fmt.Errorf("workload 4 floor: Deployments not Available: %w", err)
	}
	// CPU is read before the deferred namespace deletion, which is not part of the floor.
	return time.Since(start), cpuDelta(cpu, childCPU()), nil
}

// deploymentAvailable reports whether kube-controller-manager has seen d's latest spec and
// reports it Available.
func deploymentAvailable(d appsv1.Deployment) bool {
	if d.Status.ObservedGeneration != d.Generation {
		return false
	}
	for _, c := range d.Status.Conditions {
		if c.Type == appsv1.DeploymentAvailable {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}
