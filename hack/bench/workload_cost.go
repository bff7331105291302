package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kustomizev1 "github.com/eddy-gitops/eddy/api/kustomize/v1"
)

// Workload 7 is not one of issue 7's: it prices, in kube-apiserver CPU, the kinds of request
// kustomize-controller sends in workload 4 beyond the floor's applies, one kind at a time, so
// that a proposal to save requests can be weighed before it is built, and the writes of the
// Kustomizations themselves. Nothing else runs meanwhile: the objects carry no owner labels the
// controllers watch, and the Kustomizations are suspended.

// costProbe is one kind of request, sent costN times.
type costProbe struct {
	name string
	send func(ctx context.Context, ns string, i int) error
}

// costN is how many requests of each kind are sent (floorConcurrency at a time, as the floors
// send theirs); costSettle how long after the last the CPU is still counted.
const (
	costN      = 2000
	costSettle = 2 * time.Second
)

// costResult is kube-apiserver's CPU per request of each probe, in probe order.
type costResult struct {
	name    string
	perReq  time.Duration // kube-apiserver utime+stime divided by costN
	elapsed time.Duration
}

func (b *bench) workloadCost(ctx context.Context) ([]costResult, error) {
	ns, err := b.namespace(ctx, "cost")
	if err != nil {
		return nil, err
	}
	defer b.dropNamespace(ctx, ns)
	indexes := make([]int, costN)
	for i := range indexes {
		indexes[i] = i
	}
	var out []costResult
	for _, p := range b.costProbes() {
		b.logf("workload 7: %d × %s", costN, p.name)
		before := childCPU()["kube-apiserver"]
		start := time.Now()
		err := eachConcurrently(ctx, indexes, func(ctx context.Context, i int) error { return p.send(ctx, ns, i) })
		if err != nil {
			return out, fmt.Errorf("%s: %w", p.name, err)
		}
		elapsed := time.Since(start)
		// What the requests cause counts too: watch deliveries, kustomize-controller adding its
		// finalizer to a new Kustomization.
		time.Sleep(costSettle)
		cpu := childCPU()["kube-apiserver"] - before
		out = append(out, costResult{name: p.name, elapsed: elapsed,
			perReq: time.Duration(cpu / costN * float64(time.Second))})
	}
	return out, nil
}

// costProbes are the requests priced, in the order they run: the dry-runs and the reads of
// absent objects come before the apply that creates the ConfigMaps they name.
func (b *bench) costProbes() []costProbe {
	owner := []client.PatchOption{client.ForceOwnership, client.FieldOwner("bench-cost")}
	var probes []costProbe
	for _, kind := range []string{"Deployment", "Service", "ConfigMap"} {
		probes = append(probes, costProbe{name: kind + " server-side apply, dry-run, new object",
			send: func(ctx context.Context, ns string, i int) error {
				return b.c.Patch(ctx, costObject(kind, ns, i), client.Apply, append(owner, client.DryRunAll)...)
			}})
	}
	probes = append(probes, costProbe{name: "ConfigMap metadata GET, absent (404)",
		send: func(ctx context.Context, ns string, i int) error {
			m := &metav1.PartialObjectMetadata{}
			m.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("ConfigMap"))
			err := b.c.Get(ctx, client.ObjectKey{Namespace: ns, Name: costName(i)}, m)
			if apierrors.IsNotFound(err) {
				return nil
			}
			if err == nil {
				return fmt.Errorf("%s exists", costName(i))
			}
			return err
		}})
	probes = append(probes, costProbe{name: "ConfigMap server-side apply, new object",
		send: func(ctx context.Context, ns string, i int) error {
			return b.c.Patch(ctx, costObject("ConfigMap", ns, i), client.Apply, owner...)
		}})
	probes = append(probes, costProbe{name: "Kustomization create, suspended (kustomize-controller adds its finalizer)",
		send: func(ctx context.Context, ns string, i int) error {
			k := kustomization(ns, costName(i), "none", "./", true)
			k.Spec.Suspend = true
			return b.c.Create(ctx, k)
		}})
	probes = append(probes, costProbe{name: "Kustomization status merge patch (Ready, inventory of 4)",
		send: func(ctx context.Context, ns string, i int) error {
			k := &kustomizev1.Kustomization{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: costName(i)}}
			return b.c.Status().Patch(ctx, k, client.RawPatch(types.MergePatchType, costStatus(ns, costName(i), "first")))
		}})
	// What kustomize-controller sends (pkg/reconcile.Patcher): the answer is asked for as
	// metadata only. The patch differs from the one above, so that the object changes again.
	probes = append(probes, costProbe{name: "Kustomization status merge patch, metadata-only answer",
		send: func(ctx context.Context, ns string, i int) error {
			m := &metav1.PartialObjectMetadata{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: costName(i)}}
			m.SetGroupVersionKind(kustomizev1.GroupVersion.WithKind(kustomizev1.KustomizationKind))
			return b.c.Status().Patch(ctx, m, client.RawPatch(types.MergePatchType, costStatus(ns, costName(i), "second")))
		}})
	probes = append(probes, costProbe{name: "Event create",
		send: func(ctx context.Context, ns string, i int) error {
			return b.c.Create(ctx, &corev1.Event{
				ObjectMeta:     metav1.ObjectMeta{Namespace: ns, Name: fmt.Sprintf("%s.%d", costName(i), time.Now().UnixNano())},
				InvolvedObject: corev1.ObjectReference{Kind: "ConfigMap", APIVersion: "v1", Namespace: ns, Name: costName(i)},
				Reason:         "Progressing", Message: "ConfigMap/" + ns + "/" + costName(i) + " created", Type: corev1.EventTypeNormal,
				Source: corev1.EventSource{Component: "bench-cost"}, FirstTimestamp: metav1.Now(), LastTimestamp: metav1.Now(), Count: 1,
			})
		}})
	return probes
}

// costStatus is the status a workload-4 Kustomization ends with, as a merge patch; handled is
// its lastHandledReconcileAt.
func costStatus(ns, name, handled string) []byte {
	rev := "main@sha1:0123456789abcdef0123456789abcdef01234567"
	var entries []string
	for _, id := range []string{"_apps_Deployment", "__ServiceAccount", "__Service", "__ConfigMap"} {
		entries = append(entries, fmt.Sprintf(`{"id":"%s_%s%s","v":"v1"}`, ns, name, id))
	}
	return []byte(fmt.Sprintf(`{"status":{"observedGeneration":1,"lastAppliedRevision":%q,"lastAttemptedRevision":%q,`+
		`"conditions":[{"type":"Ready","status":"True","reason":"ReconciliationSucceeded","message":"Applied revision: %s","lastTransitionTime":%q,"observedGeneration":1}],`+
		`"inventory":{"entries":[%s]},"lastHandledReconcileAt":%q}}`, rev, rev, rev, time.Now().UTC().Format(time.RFC3339), strings.Join(entries, ","), handled))
}

func costName(i int) string { return fmt.Sprintf("cost-%05d", i) }

// costObject is object i of kind, shaped like workload 4's unit of that kind.
func costObject(kind, ns string, i int) *unstructured.Unstructured {
	for _, doc := range strings.Split(unitManifests(costName(i)), "\n---\n") {
		u := &unstructured.Unstructured{}
		if err := yaml.Unmarshal([]byte(doc), &u.Object); err == nil && u.GetKind() == kind {
			u.SetNamespace(ns)
			return u
		}
	}
	panic("no " + kind + " in unitManifests")
}

func costTable(res []costResult) table {
	t := table{title: fmt.Sprintf("Workload 7: kube-apiserver CPU per request (%d requests of each kind, %d at a time)", costN, floorConcurrency),
		header: []string{"request", "kube-apiserver CPU per request", "wall time for all"}}
	for _, r := range res {
		t.add(r.name, fmt.Sprintf("%.2f ms", float64(r.perReq)/float64(time.Millisecond)), seconds(r.elapsed.Seconds()))
	}
	t.notes = []string{"CPU: utime+stime of kube-apiserver from /proc over each batch and the 2 s after it, divided by its requests; it includes what the requests cause (watch deliveries, the finalizer kustomize-controller adds to a new Kustomization)",
		"not run by default (--workloads 7): it prices the requests workload 4 sends beyond its floor"}
	return t
}
