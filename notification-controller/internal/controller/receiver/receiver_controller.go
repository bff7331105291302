package receiver

import (
	"context"
	"errors"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/predicates"
	corev1 "k8s.io/api/core/v1"
	kuberecorder "k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	ctrlreconcile "sigs.k8s.io/controller-runtime/pkg/reconcile"

	notifv1 "github.com/eddy-gitops/eddy/api/notification/v1"
	"github.com/eddy-gitops/eddy/notification-controller/internal/receiver"
	"github.com/eddy-gitops/eddy/pkg/reconcile"
)

// conditionTable: a Receiver has no step conditions of its own; Ready, Reconciling and Stalled
// say everything.
var conditionTable = reconcile.Conditions{}

// Reconciler reconciles Receivers.
type Reconciler struct {
	client.Client
	// APIReader reads Secrets without caching every Secret of the cluster.
	APIReader      client.Reader
	EventRecorder  kuberecorder.EventRecorder
	ControllerName string
}

// Options configure the controller.
type Options struct {
	MaxConcurrentReconciles int
	RateLimiter             workqueue.TypedRateLimiter[ctrlreconcile.Request]
}

// SetupWithManager registers the secretRef index and the controller. It reconciles on spec
// changes, reconcile requests, and any change of a Secret a Receiver references (watched as
// metadata only).
func (r *Reconciler) SetupWithManager(ctx context.Context, mgr ctrl.Manager, o Options) error {
	if err := mgr.GetFieldIndexer().IndexField(ctx, &notifv1.Receiver{}, secretRefIndex, indexSecretRef); err != nil {
		return err
	}
	return ctrl.NewControllerManagedBy(mgr).
		For(&notifv1.Receiver{}, builder.WithPredicates(
			predicate.Or(predicate.GenerationChangedPredicate{}, predicates.ReconcileRequestedPredicate{}))).
		WatchesMetadata(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(r.receiversForSecret)).
		WithOptions(controller.Options{MaxConcurrentReconciles: o.MaxConcurrentReconciles, RateLimiter: o.RateLimiter}).
		Complete(r)
}

// +kubebuilder:rbac:groups=notification.toolkit.fluxcd.io,resources=receivers,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=notification.toolkit.fluxcd.io,resources=receivers/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=notification.toolkit.fluxcd.io,resources=receivers/finalizers,verbs=update
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;list;watch

// Reconcile validates a Receiver and publishes its webhook path.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (result ctrl.Result, retErr error) {
	obj := &notifv1.Receiver{}
	if err := r.Get(ctx, req.NamespacedName, obj); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	patcher := reconcile.NewPatcher(obj, r.Client)
	previousPath := obj.Status.WebhookPath
	defer func() {
		result, retErr = reconcile.Finish{
			Patcher:      patcher,
			Conditions:   conditionTable,
			FieldOwner:   r.ControllerName,
			Recorder:     r.EventRecorder,
			ReadyMessage: readyMessage(obj.Status.WebhookPath),
		}.Apply(ctx, obj, retErr)
		r.announcePath(obj, previousPath, retErr)
	}()

	if !obj.GetDeletionTimestamp().IsZero() {
		// Nothing outside the object to clean up: the server stops serving it with the object.
		controllerutil.RemoveFinalizer(obj, notifv1.NotificationFinalizer)
		return ctrl.Result{}, nil
	}
	// Suspend is not a reason to stop reconciling: the server answers 503 for a suspended
	// Receiver, and keeping the path and Ready current lets it resume at once.
	controllerutil.AddFinalizer(obj, notifv1.NotificationFinalizer)
	return ctrl.Result{}, r.reconcile(ctx, obj)
}

// reconcile runs the steps; the first failure stops it.
func (r *Reconciler) reconcile(ctx context.Context, obj *notifv1.Receiver) error {
	if err := validateSpec(&obj.Spec); err != nil {
		return err
	}
	return r.reconcileWebhookPath(ctx, obj)
}

// reconcileWebhookPath reads the token and publishes the path it yields.
func (r *Reconciler) reconcileWebhookPath(ctx context.Context, obj *notifv1.Receiver) error {
	token, err := receiver.Token(ctx, r.APIReader, obj)
	if err != nil {
		if errors.Is(err, receiver.ErrTokenNotFound) {
			return reconcile.NewGeneric(notifv1.TokenNotFoundReason, "unable to read the token: %s", err)
		}
		return reconcile.NewGeneric(meta.FailedReason, "%s", err)
	}
	obj.Status.WebhookPath = obj.GetWebhookPath(token)
	return nil
}

// announcePath emits a Normal event when a successful reconcile published a new path, the
// moment the webhook URL a user configured elsewhere changes.
func (r *Reconciler) announcePath(obj *notifv1.Receiver, previousPath string, err error) {
	if err != nil || r.EventRecorder == nil || !obj.GetDeletionTimestamp().IsZero() {
		return
	}
	if obj.Status.WebhookPath != previousPath {
		r.EventRecorder.Event(obj, corev1.EventTypeNormal, meta.SucceededReason, readyMessage(obj.Status.WebhookPath))
	}
}
