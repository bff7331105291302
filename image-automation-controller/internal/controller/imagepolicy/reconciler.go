package imagepolicy

import (
	"context"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	corev1 "k8s.io/api/core/v1"
	kuberecorder "k8s.io/client-go/tools/record"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/log"

	imagev1 "github.com/eddy-gitops/eddy/api/image/v1"
	"github.com/eddy-gitops/eddy/image-automation-controller/internal/registry"
	"github.com/eddy-gitops/eddy/image-automation-controller/internal/tagstore"
	"github.com/eddy-gitops/eddy/pkg/reconcile"
)

// Reconciler resolves ImagePolicies.
type Reconciler struct {
	client.Client
	// Recorder receives the Normal and Warning events.
	Recorder kuberecorder.EventRecorder
	// Store holds the tag lists written by the ImageRepository reconciler.
	Store *tagstore.Store
	// Registry resolves digests.
	Registry *registry.Client
	// FieldOwner is the status field manager (the controller name).
	FieldOwner string

	written reconcile.Written
}

// scope is what one reconcile knows about its policy.
type scope struct {
	obj *imagev1.ImagePolicy
	// repo is the referenced ImageRepository, once found and allowed.
	repo *imagev1.ImageRepository
	// previous is status.latestRef before this reconcile; wasReady its Ready state.
	previous *imagev1.ImageRef
	wasReady bool
}

// Reconcile resolves the latest image of one ImagePolicy.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (result ctrl.Result, retErr error) {
	obj := &imagev1.ImagePolicy{}
	if found, err := r.written.Get(ctx, r.Client, req.NamespacedName, obj); !found {
		return ctrl.Result{}, err
	}
	if r.written.Stale(obj) {
		// Our last status write has not reached the cache yet: from this copy the policy would
		// announce the same latest image again, and write it again.
		return ctrl.Result{RequeueAfter: reconcile.StaleRetry}, nil
	}
	defer r.written.RecordIfWritten(obj, obj.GetResourceVersion())
	if !obj.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, r.finalize(ctx, obj)
	}
	if obj.Spec.Suspend {
		log.FromContext(ctx).V(1).Info("reconciliation is suspended")
		return ctrl.Result{}, nil
	}

	s := &scope{obj: obj, previous: obj.Status.LatestRef.DeepCopy(), wasReady: conditions.IsReady(obj)}
	patcher := reconcile.NewPatcher(obj, r.Client)
	defer func() {
		result, retErr = reconcile.Finish{
			Patcher:      patcher,
			FieldOwner:   r.FieldOwner,
			Recorder:     r.Recorder,
			ReadyMessage: readyMessage(obj.Status),
		}.Apply(ctx, obj, retErr)
		r.notify(s, retErr)
	}()

	controllerutil.AddFinalizer(obj, imagev1.ImageFinalizer)
	for _, step := range []func(context.Context, *scope) error{
		r.reconcileSpec,
		r.reconcileRepository,
		r.reconcileLatest,
	} {
		if err := step(ctx, s); err != nil {
			return ctrl.Result{}, err
		}
	}
	return ctrl.Result{}, nil
}

// finalize releases the object; a policy owns nothing outside the API server.
func (r *Reconciler) finalize(ctx context.Context, obj *imagev1.ImagePolicy) error {
	if !controllerutil.ContainsFinalizer(obj, imagev1.ImageFinalizer) {
		return nil
	}
	patcher := reconcile.NewPatcher(obj, r.Client)
	controllerutil.RemoveFinalizer(obj, imagev1.ImageFinalizer)
	return client.IgnoreNotFound(patcher.Patch(ctx, obj))
}

// notify emits the Normal event when the latest image changed or the policy recovered.
func (r *Reconciler) notify(s *scope, err error) {
	if err != nil || r.Recorder == nil || !conditions.IsReady(s.obj) {
		return
	}
	if !s.wasReady || !sameRef(s.previous, s.obj.Status.LatestRef) {
		r.Recorder.Event(s.obj, corev1.EventTypeNormal, meta.SucceededReason, conditions.GetMessage(s.obj, meta.ReadyCondition))
	}
}
