package ocirepository

import (
	"context"
	"os"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/artifact/storage"
	"github.com/fluxcd/pkg/runtime/conditions"
	"github.com/fluxcd/pkg/runtime/events"
	corev1 "k8s.io/api/core/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	sourcev1 "github.com/eddy-gitops/eddy/api/source/v1"
	"github.com/eddy-gitops/eddy/pkg/reconcile"
	"github.com/eddy-gitops/eddy/source-controller/internal/controller/lifecycle"
)

// Reconciler reconciles OCIRepository objects.
type Reconciler struct {
	client.Client
	// Storage is the artifact storage shared with the other source reconcilers.
	Storage *storage.Storage
	// Recorder writes Kubernetes Events and posts them to the events endpoint.
	Recorder events.Recorder
	// ControllerName is the field owner of status patches and the registry user agent.
	ControllerName string
}

// gcTimeout bounds one garbage collection of an object's artifact directory.
const gcTimeout = 30 * time.Second

// step is one named stage of a reconcile.
type step func(ctx context.Context, s *scope) error

// Reconcile brings one OCIRepository's artifact up to date with its registry.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (result ctrl.Result, retErr error) {
	obj := &sourcev1.OCIRepository{}
	if err := r.Get(ctx, req.NamespacedName, obj); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	s := &scope{obj: obj, old: obj.DeepCopy(), patcher: reconcile.NewPatcher(obj, r.Client)}

	// A suspended object keeps its status as it is (it still describes the served artifact);
	// deletion is still honoured so that its artifacts are removed.
	if obj.Spec.Suspend && obj.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, r.suspended(ctx, s)
	}
	defer func() {
		result, retErr = r.finish(s).Apply(ctx, obj, retErr)
		if retErr == nil {
			r.notify(s)
		}
	}()

	if !obj.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, r.reconcileDelete(ctx, s)
	}
	controllerutil.AddFinalizer(obj, sourcev1.SourceFinalizer)
	return ctrl.Result{}, r.run(ctx, s,
		r.reconcileStorage,
		r.reconcileSource,
		r.reconcileArtifact,
	)
}

// run marks the object as progressing, gives the steps a scratch directory and stops at the
// first error.
func (r *Reconciler) run(ctx context.Context, s *scope, steps ...step) error {
	if err := lifecycle.Begin(ctx, s.patcher, s.obj, s.obj.Status.ObservedGeneration, r.ControllerName); err != nil {
		return err
	}
	dir, err := lifecycle.WorkDir("ocirepository")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	s.dir = dir
	defer func() {
		if s.cancelFetch != nil {
			s.cancelFetch()
		}
	}()
	for _, st := range steps {
		if err := st(ctx, s); err != nil {
			return err
		}
	}
	return nil
}

// finish describes how the deferred summary patches the object.
func (r *Reconciler) finish(s *scope) reconcile.Finish {
	return reconcile.Finish{
		Patcher:      s.patcher,
		Conditions:   conditionTable,
		FieldOwner:   r.ControllerName,
		Recorder:     reconcile.EventRecorder(r.Recorder),
		ReadyMessage: s.readyMessage,
	}
}

// notify emits NewArtifact for a new artifact, or Succeeded when the object recovers from a
// failure with the same artifact. Failures are reported by reconcile.Finish.
func (r *Reconciler) notify(s *scope) {
	a := s.obj.Status.Artifact
	if a == nil || !conditions.IsReady(s.obj) {
		return
	}
	switch {
	case isNewArtifact(s.old.Status.Artifact, a):
		r.Recorder.AnnotatedEventf(s.obj, nil, eventMetadata(a), corev1.EventTypeNormal,
			sourcev1.NewArtifactReason, "reconcile", "%s", newArtifactMessage(a, s.obj.Spec.URL))
	case lifecycle.Recovered(s.old, s.obj, failureConditions):
		r.Recorder.AnnotatedEventf(s.obj, nil, eventMetadata(a), corev1.EventTypeNormal,
			meta.SucceededReason, "reconcile", "%s", readyMessage(a))
	}
}

// patchProgress writes the progress conditions now, so that watchers see the work started.
func (r *Reconciler) patchProgress(ctx context.Context, s *scope) error {
	return lifecycle.PatchProgress(ctx, s.patcher, s.obj, r.ControllerName)
}

// suspended records that a requested reconcile was seen and does nothing else.
func (r *Reconciler) suspended(ctx context.Context, s *scope) error {
	return lifecycle.Suspended(ctx, s.patcher, s.obj, r.ControllerName)
}

// reconcileDelete removes every artifact of the object, then the finalizer.
func (r *Reconciler) reconcileDelete(ctx context.Context, s *scope) error {
	if err := lifecycle.DeleteArtifacts(r.Storage, r.Recorder, sourcev1.OCIRepositoryKind, s.obj); err != nil {
		return err
	}
	s.obj.Status.Artifact = nil
	return nil
}
