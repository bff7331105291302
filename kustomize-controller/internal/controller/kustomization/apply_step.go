package kustomization

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/fluxcd/cli-utils/pkg/kstatus/polling"
	"github.com/fluxcd/cli-utils/pkg/object"
	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	"k8s.io/apimachinery/pkg/runtime/schema"

	kustomizev1 "github.com/eddy-gitops/eddy/api/kustomize/v1"
	"github.com/eddy-gitops/eddy/kustomize-controller/internal/apply"
	"github.com/eddy-gitops/eddy/kustomize-controller/internal/health"
	"github.com/eddy-gitops/eddy/kustomize-controller/internal/inventory"
	"github.com/eddy-gitops/eddy/pkg/reconcile"
)

// reconcileApply validates the whole set (nothing is written if any object is bad), applies it
// in stages and records the new inventory.
func (r *Reconciler) reconcileApply(ctx context.Context, s *scope) error {
	obj := s.obj
	cl, err := r.clusterFor(ctx, obj)
	if err != nil {
		return err
	}
	s.cluster = cl
	s.applier = apply.New(cl.client, polling.NewStatusPoller(cl.client, cl.mapper, polling.Options{}),
		apply.Owner{Name: obj.Name, Namespace: obj.Namespace}, r.Apply)
	s.applier.SetOwnerLabels(s.objects)
	if !s.validated {
		if err := s.applier.Validate(ctx, s.objects, obj.Spec.Force); err != nil {
			return retry(obj, kustomizev1.ReconciliationFailedReason, fmt.Errorf("validation failed, nothing was applied:\n%w", err))
		}
	}
	r.progress(ctx, s, "Applying revision %s with a timeout of %s", s.revision, obj.GetTimeout())
	s.previous = obj.Status.Inventory
	cs, err := s.applier.Apply(ctx, s.objects, obj.Spec.Force, obj.Spec.Ignore, obj.GetTimeout())
	if msg := apply.ChangeSetMessage(cs); msg != "" {
		s.changed = true
		r.event(obj, s.revision, s.origin, eventInfo, kustomizev1.ProgressingReason, msg, nil)
	}
	if err != nil {
		// Keep track of whatever was created before the failure, so that it can be pruned later.
		obj.Status.Inventory = mergeInventories(s.previous, inventory.FromChangeSet(cs))
		return retry(obj, kustomizev1.ReconciliationFailedReason, err)
	}
	obj.Status.Inventory = inventory.FromChangeSet(cs)
	return nil
}

// reconcilePrune deletes the objects that left the set (spec.prune). Only objects listed in the
// previous inventory are candidates, and only those still carrying this Kustomization's owner
// labels are deleted.
func (r *Reconciler) reconcilePrune(ctx context.Context, s *scope) error {
	obj := s.obj
	if !obj.Spec.Prune {
		return nil
	}
	stale, err := inventory.Diff(s.previous, obj.Status.Inventory)
	if err != nil {
		return retry(obj, kustomizev1.PruneFailedReason, err)
	}
	if len(stale) == 0 {
		return nil
	}
	r.progress(ctx, s, "Pruning objects removed from revision %s", s.revision)
	cs, err := s.applier.Prune(ctx, stale)
	if msg := apply.ChangeSetMessage(cs); msg != "" {
		s.changed = true
		r.event(obj, s.revision, s.origin, eventInfo, kustomizev1.ProgressingReason, msg, nil)
	}
	if err != nil {
		// Keep the stale objects in the inventory so that the next attempt prunes them.
		obj.Status.Inventory = mergeInventories(obj.Status.Inventory, inventory.FromObjects(stale))
		return retry(obj, kustomizev1.PruneFailedReason, err)
	}
	return nil
}

// reconcileHealth waits for the objects of spec.wait or spec.healthChecks and sets Healthy.
func (r *Reconciler) reconcileHealth(ctx context.Context, s *scope) error {
	obj := s.obj
	set, err := healthSet(obj)
	if err != nil {
		return retry(obj, kustomizev1.HealthCheckFailedReason, err)
	}
	if len(set) == 0 {
		conditions.Delete(obj, kustomizev1.HealthyCondition)
		return nil
	}
	checker, err := health.NewPoller(s.cluster.client, s.cluster.mapper, obj.Spec.HealthCheckExprs, r.healthInterval())
	if err != nil {
		var invalid *health.InvalidExprError
		if errors.As(err, &invalid) {
			return reconcile.NewStalling(kustomizev1.InvalidCELExpressionReason, "%v", err)
		}
		return retry(obj, kustomizev1.HealthCheckFailedReason, err)
	}
	wasHealthy := conditions.IsTrue(obj, kustomizev1.HealthyCondition)
	if s.working || !wasHealthy {
		s.working = true
		msg := fmt.Sprintf("Running health checks for revision %s with a timeout of %s", s.revision, obj.GetTimeout())
		conditions.MarkUnknown(obj, kustomizev1.HealthyCondition, meta.ProgressingReason, "%s", msg)
		r.progress(ctx, s, "%s", msg)
	}
	start := s.start
	if err := checker.Check(ctx, set, obj.GetTimeout()); err != nil {
		if ctx.Err() != nil && !errors.Is(ctx.Err(), context.DeadlineExceeded) {
			conditions.MarkFalse(obj, kustomizev1.HealthyCondition, kustomizev1.HealthCheckCanceledReason, "Health check canceled")
			return retry(obj, kustomizev1.HealthCheckCanceledReason, fmt.Errorf("health check canceled: %w", err))
		}
		conditions.MarkFalse(obj, kustomizev1.HealthyCondition, kustomizev1.HealthCheckFailedReason, "%s", err)
		return retry(obj, kustomizev1.HealthCheckFailedReason, fmt.Errorf("health check failed after %s: %w", since(start), err))
	}
	if wasHealthy && !s.working && !s.changed {
		// Still healthy and nothing changed: keep the condition (and its timing message) as
		// it is, so that a steady-state reconcile writes no status.
		return nil
	}
	msg := fmt.Sprintf("Health check passed in %s", since(start))
	conditions.MarkTrue(obj, kustomizev1.HealthyCondition, meta.SucceededReason, "%s", msg)
	r.event(obj, s.revision, s.origin, eventInfo, kustomizev1.ProgressingReason, msg, nil)
	return nil
}

func (r *Reconciler) healthInterval() time.Duration {
	if r.HealthInterval > 0 {
		return r.HealthInterval
	}
	return 2 * time.Second
}

func since(t time.Time) time.Duration { return time.Since(t).Round(time.Millisecond) }

// healthSet lists the objects to check: every applied object with spec.wait, otherwise
// spec.healthChecks. The Kustomization itself is left out (it would wait on itself).
func healthSet(obj *kustomizev1.Kustomization) (object.ObjMetadataSet, error) {
	self := object.ObjMetadata{Namespace: obj.Namespace, Name: obj.Name,
		GroupKind: schema.GroupKind{Group: kustomizev1.GroupVersion.Group, Kind: kustomizev1.KustomizationKind}}
	var set object.ObjMetadataSet
	if obj.Spec.Wait {
		all, err := inventory.MetadataSet(obj.Status.Inventory)
		if err != nil {
			return nil, err
		}
		set = all
	} else {
		for _, hc := range obj.Spec.HealthChecks {
			gv, err := schema.ParseGroupVersion(hc.APIVersion)
			if err != nil {
				return nil, fmt.Errorf("invalid healthChecks apiVersion %q: %w", hc.APIVersion, err)
			}
			set = append(set, object.ObjMetadata{Namespace: hc.Namespace, Name: hc.Name,
				GroupKind: schema.GroupKind{Group: gv.Group, Kind: hc.Kind}})
		}
	}
	out := set[:0:0]
	for _, m := range set {
		if m != self {
			out = append(out, m)
		}
	}
	return out, nil
}

// mergeInventories returns the union of two inventories (entries of b win on version).
func mergeInventories(a, b *kustomizev1.ResourceInventory) *kustomizev1.ResourceInventory {
	first, _ := inventory.Objects(b)
	second, _ := inventory.Objects(a)
	return inventory.FromObjects(append(first, second...))
}
