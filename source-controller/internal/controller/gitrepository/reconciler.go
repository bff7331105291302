package gitrepository

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/artifact/storage"
	"github.com/fluxcd/pkg/runtime/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	sourcev1 "github.com/eddy-gitops/eddy/api/source/v1"
	"github.com/eddy-gitops/eddy/pkg/reconcile"
	"github.com/eddy-gitops/eddy/source-controller/internal/controller/lifecycle"
)

// Reconciler reconciles GitRepository objects.
type Reconciler struct {
	client.Client
	// Storage is the artifact storage shared with the other source reconcilers.
	Storage *storage.Storage
	// Recorder writes Kubernetes Events and posts them to the events endpoint.
	Recorder events.Recorder
	// ControllerName is the field owner of status patches, e.g. "source-controller".
	ControllerName string
	// DependencyRequeueInterval is how long to wait for an included GitRepository that has no
	// artifact yet. Zero means 10s.
	DependencyRequeueInterval time.Duration
	// ProgressAfter is how long a reconcile must have run, when it finds a new revision, to
	// write its progress (ArtifactOutdated, Reconciling "building artifact: ...") ahead of the
	// outcome (reconcile.ProgressDue, as in kustomize-controller); zero means 1s, negative: always.
	ProgressAfter time.Duration

	// checks keeps the no-change path from re-hashing unchanged artifact files.
	checks artifactChecks
}

// step is one named stage of a reconcile.
type step func(ctx context.Context, s *scope) error

// Reconcile brings one GitRepository's artifact up to date with its remote.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (result ctrl.Result, retErr error) {
	obj := &sourcev1.GitRepository{}
	if err := r.Get(ctx, req.NamespacedName, obj); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	s := &scope{obj: obj, old: obj.DeepCopy(), patcher: reconcile.NewPatcher(obj, r.Client), start: time.Now()}

	if obj.Spec.Suspend && obj.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, r.suspended(ctx, s)
	}
	defer func() {
		result, retErr = r.finish(s).Apply(ctx, obj, retErr)
	}()

	if !obj.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, r.reconcileDelete(ctx, s)
	}
	if !controllerutil.ContainsFinalizer(obj, sourcev1.SourceFinalizer) {
		controllerutil.AddFinalizer(obj, sourcev1.SourceFinalizer)
	}
	return ctrl.Result{}, r.run(ctx, s,
		r.reconcileStorage,
		r.reconcileInclude,
		r.reconcileSource,
		r.reconcileVerify,
		r.reconcileArtifact,
	)
}

// run marks the object as progressing, gives the steps a scratch directory and stops at the
// first error.
func (r *Reconciler) run(ctx context.Context, s *scope, steps ...step) error {
	if err := lifecycle.Begin(ctx, s.patcher, s.obj, s.obj.Status.ObservedGeneration, r.ControllerName); err != nil {
		return err
	}
	dir, err := lifecycle.WorkDir("gitrepository")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	s.dir = dir
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

// patchProgress writes the progress conditions now, so that watchers see the work started,
// once the reconcile has run for ProgressAfter. The fetch, which takes most of a reconcile,
// is over by then: a fetch that was quick is followed by a quick archive, and the outcome
// write reports both at once. The conditions stay set in memory either way.
func (r *Reconciler) patchProgress(ctx context.Context, s *scope) error {
	if !reconcile.ProgressDue(time.Since(s.start), r.ProgressAfter) {
		return nil
	}
	return lifecycle.PatchProgress(ctx, s.patcher, s.obj, r.ControllerName)
}

// suspended records that a requested reconcile was seen and does nothing else.
func (r *Reconciler) suspended(ctx context.Context, s *scope) error {
	return lifecycle.Suspended(ctx, s.patcher, s.obj, r.ControllerName)
}

// reconcileDelete removes every artifact of the object, then the finalizer.
func (r *Reconciler) reconcileDelete(ctx context.Context, s *scope) error {
	if err := lifecycle.DeleteArtifacts(r.Storage, r.Recorder, sourcev1.GitRepositoryKind, s.obj); err != nil {
		return err
	}
	s.obj.Status.Artifact = nil
	r.checks.forget(client.ObjectKeyFromObject(s.obj))
	return nil
}

// readyMessage is the Ready=True message for a stored artifact.
func readyMessage(a *meta.Artifact) string {
	return fmt.Sprintf("stored artifact for revision '%s'", a.Revision)
}
