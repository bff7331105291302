package imageupdateautomation

import (
	"context"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	"github.com/fluxcd/pkg/runtime/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/log"

	imagev1 "github.com/eddy-gitops/eddy/api/image/v1"
	"github.com/eddy-gitops/eddy/image-automation-controller/internal/gitpush"
	"github.com/eddy-gitops/eddy/image-automation-controller/internal/message"
	"github.com/eddy-gitops/eddy/image-automation-controller/internal/update"
	"github.com/eddy-gitops/eddy/pkg/reconcile"
)

// Reconciler reconciles ImageUpdateAutomation objects.
type Reconciler struct {
	client.Client
	// Recorder writes Kubernetes Events and posts them to the events endpoint.
	Recorder events.Recorder
	// ControllerName is the field owner of status patches, e.g. "image-automation-controller".
	ControllerName string
	// Clones holds the warm clones of the repositories.
	Clones *gitpush.Cache
	// DependencyRequeueInterval is how long to wait for a missing GitRepository or Secret.
	// Zero means 10s.
	DependencyRequeueInterval time.Duration
	// NoCrossNamespaceRefs refuses a sourceRef in another namespace (AccessDenied, Stalled), as
	// Flux's --no-cross-namespace-refs does.
	NoCrossNamespaceRefs bool
	// NoPolicyTrigger leaves runs to the interval and to reconcile requests: a new latest image
	// is then picked up at the next interval. The benchmark uses it to compare both modes.
	NoPolicyTrigger bool

	written reconcile.Written
}

// scope is what the steps of one reconcile share.
type scope struct {
	obj     *imagev1.ImageUpdateAutomation
	patcher *reconcile.Patcher

	// git is the resolved checkout, commit and push configuration.
	git gitpush.Config
	// tmpl is the parsed commit message template.
	tmpl *message.Template
	// policies are the selected Ready policies with their latest image.
	policies map[update.PolicyKey]imagev1.ImageRef
	observed imagev1.ObservedPolicies

	readyMessage string
}

// step is one named stage of a reconcile.
type step func(ctx context.Context, s *scope) error

// Reconcile runs one ImageUpdateAutomation: update the files, commit and push when they changed.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (result ctrl.Result, retErr error) {
	obj := &imagev1.ImageUpdateAutomation{}
	if found, err := r.written.Get(ctx, r.Client, req.NamespacedName, obj); !found {
		return ctrl.Result{}, err
	}
	if r.written.Stale(obj) {
		// Our last status write has not reached the cache yet (a policy change can queue the
		// automation again right after a run): from this copy the run would fetch and write
		// its outcome a second time.
		return ctrl.Result{RequeueAfter: reconcile.StaleRetry}, nil
	}
	defer r.written.RecordIfWritten(obj, obj.GetResourceVersion())
	s := &scope{obj: obj, patcher: reconcile.NewPatcher(obj, r.Client)}

	if obj.Spec.Suspend && obj.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, r.suspended(ctx, s)
	}
	defer func() {
		result, retErr = r.finish(s).Apply(ctx, obj, retErr)
	}()

	if !obj.DeletionTimestamp.IsZero() {
		// Nothing is stored for the object; the warm clone is shared by repository and branch.
		controllerutil.RemoveFinalizer(obj, imagev1.ImageFinalizer)
		return ctrl.Result{}, nil
	}
	controllerutil.AddFinalizer(obj, imagev1.ImageFinalizer)
	return ctrl.Result{}, r.run(ctx, s,
		r.reconcileSpec,
		r.reconcileSource,
		r.reconcileSigningKey,
		r.reconcilePolicies,
		r.reconcileUpdate,
	)
}

// run marks the object as progressing and stops at the first failing step.
func (r *Reconciler) run(ctx context.Context, s *scope, steps ...step) error {
	conditions.MarkReconciling(s.obj, meta.ProgressingReason, "reconciliation in progress")
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
		FieldOwner:   r.ControllerName,
		Recorder:     reconcile.EventRecorder(r.Recorder),
		ReadyMessage: s.readyMessage,
	}
}

// suspended records that a requested reconcile was seen and does nothing else.
func (r *Reconciler) suspended(ctx context.Context, s *scope) error {
	log.FromContext(ctx).V(1).Info("automation is suspended")
	return reconcile.AcknowledgeRequest(ctx, s.patcher, s.obj, r.ControllerName)
}

func (r *Reconciler) dependencyRequeue() time.Duration {
	if r.DependencyRequeueInterval > 0 {
		return r.DependencyRequeueInterval
	}
	return 10 * time.Second
}
