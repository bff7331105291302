package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	"golang.org/x/sync/errgroup"
	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kustomizev1 "github.com/eddy-gitops/eddy/api/kustomize/v1"
)

// waitFloorWithKustomizations is workload 4's floor plus the writes no controller serving
// Flux's Kustomization API can skip: the Kustomization's creation (the user's), one write of its
// metadata (the finalizer a controller must persist before it applies anything, so that nothing
// can be orphaned) and one status write (Ready at the revision, with the inventory) once the
// unit's Deployment is Available. No build, no validation, no event, no health read: the harness
// sends these requests itself, floorConcurrency at a time for the units and as many for the
// status writes, and a status is written as soon as its unit is applied and its Deployment
// Available, as a controller that never waited for anything but kube-controller-manager would.
//
// The Kustomizations are created suspended and already carrying the finalizer, so that
// kustomize-controller, which watches every namespace, writes nothing for them; the metadata
// write is a merge patch of an annotation, the same request as the finalizer's patch.
func (b *bench) waitFloorWithKustomizations(ctx context.Context, units int, rev string) (time.Duration, map[string]float64, error) {
	ns, err := b.namespace(ctx, fmt.Sprintf("w4kfloor-%d", units))
	if err != nil {
		return 0, nil, err
	}
	defer b.dropNamespace(ctx, ns)
	type unit struct {
		k    *kustomizev1.Kustomization
		objs []client.Object
	}
	all := make([]unit, units)
	byName := map[string]int{}
	for i := range all {
		name := fmt.Sprintf("unit-%04d", i)
		k := kustomization(ns, name, "units", "./units/"+name, true)
		k.Spec.Suspend = true
		k.Finalizers = []string{kustomizev1.KustomizationFinalizer}
		all[i].k = k
		byName[name] = i
		if all[i].objs, err = unitObjects(ns, name); err != nil {
			return 0, nil, err
		}
	}

	// A unit's status is written once both hold: its objects are applied, its Deployment is
	// Available.
	var mu sync.Mutex
	applied, available, queued := make([]bool, units), make([]bool, units), make([]bool, units)
	ready := make(chan int, units)
	mark := func(i int, isApplied bool) {
		mu.Lock()
		defer mu.Unlock()
		if isApplied {
			applied[i] = true
		} else {
			available[i] = true
		}
		if applied[i] && available[i] && !queued[i] {
			queued[i] = true
			ready <- i
		}
	}

	cpu := childCPU()
	start := time.Now()
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		return b.waitCount(gctx, &appsv1.DeploymentList{}, ns, units, 15*time.Minute,
			func(obj client.Object) bool {
				d := obj.(*appsv1.Deployment)
				ok := deploymentAvailable(*d)
				if i, known := byName[d.Name]; ok && known {
					mark(i, false)
				}
				return ok
			},
			func(obj client.Object) string { return obj.GetName() })
	})
	g.Go(func() error {
		return eachConcurrently(gctx, all, func(ctx context.Context, u unit) error {
			if err := b.c.Create(ctx, u.k); err != nil {
				return err
			}
			stand := []byte(`{"metadata":{"annotations":{"bench.eddy-gitops.dev/finalizer-write":"1"}}}`)
			if err := b.c.Patch(ctx, u.k, client.RawPatch(types.MergePatchType, stand)); err != nil {
				return err
			}
			for _, o := range u.objs {
				if err := b.applyOne(ctx, o); err != nil {
					return err
				}
			}
			mark(byName[u.k.Name], true)
			return nil
		})
	})
	g.Go(func() error {
		writes, wctx := errgroup.WithContext(gctx)
		writes.SetLimit(floorConcurrency)
		for range units {
			var i int
			select {
			case i = <-ready:
			case <-wctx.Done():
				return writes.Wait()
			}
			writes.Go(func() error {
				patch, err := readyStatusPatch(all[i].k, all[i].objs, rev)
				if err != nil {
					return err
				}
				return b.c.Status().Patch(wctx, all[i].k, client.RawPatch(types.MergePatchType, patch))
			})
		}
		return writes.Wait()
	})
	if err := g.Wait(); err != nil {
		return 0, nil, fmt.Errorf("workload 4 floor with Kustomizations: %w", err)
	}
	return time.Since(start), cpuDelta(cpu, childCPU()), nil
}

// readyStatusPatch is the status a successful reconcile of k writes: Ready at rev, the revisions,
// the observed generation and the inventory of objs, in Flux's format.
func readyStatusPatch(k *kustomizev1.Kustomization, objs []client.Object, rev string) ([]byte, error) {
	entries := make([]map[string]string, 0, len(objs))
	for _, o := range objs {
		gvk := o.GetObjectKind().GroupVersionKind()
		entries = append(entries, map[string]string{
			"id": strings.Join([]string{o.GetNamespace(), o.GetName(), gvk.Group, gvk.Kind}, "_"),
			"v":  gvk.Version,
		})
	}
	return json.Marshal(map[string]any{"status": map[string]any{
		"observedGeneration":    k.Generation,
		"lastAttemptedRevision": rev,
		"lastAppliedRevision":   rev,
		"conditions": []metav1.Condition{{
			Type: meta.ReadyCondition, Status: metav1.ConditionTrue, Reason: meta.ReconciliationSucceededReason,
			Message: "Applied revision: " + rev, ObservedGeneration: k.Generation,
			LastTransitionTime: metav1.Now(),
		}},
		"inventory": map[string]any{"entries": entries},
	}})
}
