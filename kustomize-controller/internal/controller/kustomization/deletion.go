package kustomization

import (
	"context"
	"fmt"
	"time"

	"github.com/fluxcd/cli-utils/pkg/kstatus/polling"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	kustomizev1 "github.com/eddy-gitops/eddy/api/kustomize/v1"
	"github.com/eddy-gitops/eddy/kustomize-controller/internal/apply"
	"github.com/eddy-gitops/eddy/kustomize-controller/internal/inventory"
)

// reconcileDelete garbage-collects the inventory according to spec.deletionPolicy, then
// removes the finalizer.
func (r *Reconciler) reconcileDelete(ctx context.Context, s *scope) (ctrl.Result, error) {
	obj := s.obj
	if !controllerutil.ContainsFinalizer(obj, kustomizev1.KustomizationFinalizer) {
		return ctrl.Result{}, nil
	}
	if obj.PruneOnDelete() && !obj.Spec.Suspend && obj.Status.Inventory != nil && len(obj.Status.Inventory.Entries) > 0 {
		if res, err, done := r.garbageCollect(ctx, s); !done {
			return res, err
		}
	}
	controllerutil.RemoveFinalizer(obj, kustomizev1.KustomizationFinalizer)
	if err := s.patcher.Patch(ctx, obj); err != nil && !apierrors.IsNotFound(err) {
		return ctrl.Result{}, err
	}
	r.forgetOwner(ownerKey(obj))
	return ctrl.Result{}, nil
}

// forgetOwner drops everything the controller remembers of the Kustomization at key: its
// build, its ledger entry, its health wait and its marks in the shared watch. It runs when the
// Kustomization is deleted, and again whenever a reconcile finds it gone: an applied object
// deleted after its Kustomization (the namespace controller empties a namespace in any order)
// still marks its owner on the watch, and that mark must not outlive the owner.
func (r *Reconciler) forgetOwner(key types.NamespacedName) {
	r.buildsForget(key.Namespace + "/" + key.Name)
	r.ledger.drop(key)
	r.healthWaits.drop(key)
	if r.Watch != nil {
		r.Watch.Forget(key)
	}
}

// garbageCollect deletes the inventory. done is false when deletion must be retried.
func (r *Reconciler) garbageCollect(ctx context.Context, s *scope) (ctrl.Result, error, bool) {
	obj := s.obj
	cl, err := r.clusterFor(ctx, obj)
	if err != nil {
		// Without a client (missing kubeconfig, ...) nothing can be collected; blocking the
		// deletion forever would be worse than orphaning the objects, so say so and go on.
		r.event(obj, obj.Status.LastAppliedRevision, "", eventError, "PruneFailed",
			fmt.Sprintf("garbage collection skipped, the objects are orphaned: %v", err), nil)
		return ctrl.Result{}, nil, true
	}
	applier := apply.New(cl.client, polling.NewStatusPoller(cl.client, cl.mapper, polling.Options{}),
		apply.Owner{Name: obj.Name, Namespace: obj.Namespace}, r.Apply)
	objs, err := inventory.Objects(obj.Status.Inventory)
	if err != nil {
		return ctrl.Result{}, err, false
	}
	cs, err := applier.Prune(ctx, objs)
	if msg := apply.ChangeSetMessage(cs); msg != "" {
		r.event(obj, obj.Status.LastAppliedRevision, "", eventInfo, kustomizev1.ProgressingReason, msg, nil)
	}
	if err != nil {
		r.event(obj, obj.Status.LastAppliedRevision, "", eventError, kustomizev1.PruneFailedReason, err.Error(), nil)
		return ctrl.Result{}, err, false
	}
	if obj.GetDeletionPolicy() == kustomizev1.DeletionPolicyWaitForTermination {
		if err := applier.WaitForTermination(cs, obj.GetTimeout()); err != nil {
			r.event(obj, obj.Status.LastAppliedRevision, "", eventError, kustomizev1.PruneFailedReason,
				fmt.Sprintf("waiting for the deleted objects to terminate: %v", err), nil)
			return ctrl.Result{RequeueAfter: time.Second}, nil, false
		}
	}
	return ctrl.Result{}, nil, true
}
