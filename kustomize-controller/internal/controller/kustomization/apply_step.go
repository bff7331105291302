package kustomization

import (
	"context"
	"fmt"

	"github.com/fluxcd/cli-utils/pkg/kstatus/polling"
	"github.com/fluxcd/cli-utils/pkg/object"
	"k8s.io/apimachinery/pkg/runtime/schema"

	kustomizev1 "github.com/eddy-gitops/eddy/api/kustomize/v1"
	"github.com/eddy-gitops/eddy/kustomize-controller/internal/apply"
	"github.com/eddy-gitops/eddy/kustomize-controller/internal/inventory"
)

// reconcileApply validates the objects it is about to write (nothing is written if any of them
// is bad), applies them in stages and records the new inventory. Which objects are written is
// planned from the ledger and the watch (fast.go): in steady state, none.
func (r *Reconciler) reconcileApply(ctx context.Context, s *scope) error {
	obj := s.obj
	cl, err := r.clusterFor(ctx, obj)
	if err != nil {
		return err
	}
	s.cluster = cl
	s.applier = apply.New(cl.client, polling.NewStatusPoller(cl.client, cl.mapper, polling.Options{}),
		apply.Owner{Name: obj.Name, Namespace: obj.Namespace}, r.Apply)
	if s.objects != nil {
		s.applier.SetOwnerLabels(s.objects) // a remembered set gets them when decoded (objs)
	}
	s.previous = obj.Status.Inventory
	plan, err := r.planApply(ctx, s)
	if err != nil {
		return err
	}
	if s.trusted && r.Watch != nil && obj.Spec.KubeConfig == nil && serviceAccountUser(obj, r.DefaultServiceAccount) == "" {
		// Validation reads owner labels from the informers instead of the cluster. Not for
		// impersonated applies: reading the object also checks that the account may read it.
		s.applier.SetLookup(r.Watch)
	}
	// Local schema validation (internal/schema). With a Lookup it replaces the dry-run of
	// objects that do not exist yet. With or without one, custom resources whose CRD is in the
	// set are checked against that CRD rather than dry-run against the one it replaces.
	local := &apply.LocalCheck{Schemas: cl.schemas, Mapper: cl.mapper}
	if obj.Spec.KubeConfig == nil {
		local.Webhooks = r.Client // the manager's cache: webhook configurations are watched
		if serviceAccountUser(obj, r.DefaultServiceAccount) == "" {
			// Namespaces too. Not for impersonated applies: reading the namespace also checks
			// that the account may read it, as a dry-run would.
			local.Namespaces = r.Client
		}
	}
	s.applier.SetLocalCheck(local)
	r.reportDrift(s, plan.drifted)
	if len(plan.apply) == 0 {
		if !plan.listed {
			objs, err := s.objs()
			if err != nil {
				return err
			}
			obj.Status.Inventory = inventory.FromObjects(objs)
		}
		return nil
	}
	// A single changed object of ours (an image update) is validated by its own apply.
	byApply := !s.validated && s.applier.ValidatedByApply(plan.apply, obj.Spec.Force, obj.Spec.Ignore)
	if !s.validated && !byApply {
		if err := s.applier.Validate(ctx, plan.apply, obj.Spec.Force); err != nil {
			return validationFailed(obj, err)
		}
	}
	r.progress(ctx, s, "Applying revision %s with a timeout of %s", s.revision, obj.GetTimeout())
	cs, err := s.applier.Apply(ctx, plan.apply, obj.Spec.Force, obj.Spec.Ignore, obj.GetTimeout())
	if msg := apply.ChangeSetMessage(cs); msg != "" {
		s.changed = true
		r.event(obj, s.revision, s.origin, eventInfo, kustomizev1.ProgressingReason, msg, nil)
	}
	if err != nil && byApply {
		// The object was refused and nothing was written: say why as the validation would have.
		if verr := s.applier.Validate(ctx, plan.apply, obj.Spec.Force); verr != nil {
			return validationFailed(obj, verr)
		}
	}
	if err != nil {
		// Keep track of whatever was created before the failure, so that it can be pruned later.
		obj.Status.Inventory = mergeInventories(s.previous, inventory.FromChangeSet(cs))
		return retry(obj, kustomizev1.ReconciliationFailedReason, err)
	}
	obj.Status.Inventory = inventory.FromObjects(s.objects) // decoded by planApply
	return nil
}

// validationFailed reports a set refused before anything was written.
func validationFailed(obj *kustomizev1.Kustomization, err error) error {
	return retry(obj, kustomizev1.ReconciliationFailedReason, fmt.Errorf("validation failed, nothing was applied:\n%w", err))
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
