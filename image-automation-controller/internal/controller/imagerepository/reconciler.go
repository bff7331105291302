package imagerepository

import (
	"context"
	"regexp"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	"github.com/google/go-containerregistry/pkg/name"
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

// Reconciler scans ImageRepositories.
type Reconciler struct {
	client.Client
	// Recorder receives the Normal and Warning events.
	Recorder kuberecorder.EventRecorder
	// Store keeps the full tag lists.
	Store *tagstore.Store
	// Registry lists tags.
	Registry *registry.Client
	// FieldOwner is the status field manager (the controller name).
	FieldOwner string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// scope is what one reconcile knows about its object.
type scope struct {
	obj *imagev1.ImageRepository
	// wasReady and oldMessage describe the Ready condition before this reconcile, to decide on
	// the Normal event.
	wasReady   bool
	oldMessage string
	// repo and exclusions are the parsed spec.
	repo       name.Repository
	exclusions []*regexp.Regexp
	// nextScan, when set, replaces the requeue interval: the time left until the next scan is due.
	nextScan time.Duration
}

// Reconcile scans one ImageRepository if a scan is due.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (result ctrl.Result, retErr error) {
	obj := &imagev1.ImageRepository{}
	if err := r.Get(ctx, req.NamespacedName, obj); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !obj.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, r.finalize(ctx, obj)
	}
	if obj.Spec.Suspend {
		log.FromContext(ctx).V(1).Info("reconciliation is suspended")
		return ctrl.Result{}, nil
	}

	s := &scope{
		obj:        obj,
		wasReady:   conditions.IsReady(obj),
		oldMessage: conditions.GetMessage(obj, meta.ReadyCondition),
	}
	patcher := reconcile.NewPatcher(obj, r.Client)
	defer func() {
		result, retErr = reconcile.Finish{
			Patcher:      patcher,
			FieldOwner:   r.FieldOwner,
			Recorder:     r.Recorder,
			ReadyMessage: readyMessage(obj.Status.LastScanResult),
		}.Apply(ctx, obj, retErr)
		r.notify(s, retErr)
		if retErr == nil && result.RequeueAfter > 0 && s.nextScan > 0 {
			result.RequeueAfter = s.nextScan
		}
	}()

	controllerutil.AddFinalizer(obj, imagev1.ImageFinalizer)
	for _, step := range []func(context.Context, *scope) error{
		r.reconcileSpec,
		r.reconcileScan,
	} {
		if err := step(ctx, s); err != nil {
			return ctrl.Result{}, err
		}
	}
	return ctrl.Result{}, nil
}

// finalize forgets the stored tag list and releases the object.
func (r *Reconciler) finalize(ctx context.Context, obj *imagev1.ImageRepository) error {
	if err := r.Store.Delete(obj.Namespace, obj.Name); err != nil {
		return err
	}
	if !controllerutil.ContainsFinalizer(obj, imagev1.ImageFinalizer) {
		return nil
	}
	patcher := reconcile.NewPatcher(obj, r.Client)
	controllerutil.RemoveFinalizer(obj, imagev1.ImageFinalizer)
	return client.IgnoreNotFound(patcher.Patch(ctx, obj))
}

// notify emits the Normal event: when a successful reconcile changed the Ready message (a new
// scan result) or recovered from a failure. Warnings are emitted by reconcile.Finish.
func (r *Reconciler) notify(s *scope, err error) {
	if err != nil || r.Recorder == nil || !conditions.IsReady(s.obj) {
		return
	}
	msg := conditions.GetMessage(s.obj, meta.ReadyCondition)
	if !s.wasReady || msg != s.oldMessage {
		r.Recorder.Event(s.obj, corev1.EventTypeNormal, meta.SucceededReason, msg)
	}
}

func (r *Reconciler) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}
