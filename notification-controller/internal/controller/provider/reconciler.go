package provider

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/fluxcd/pkg/runtime/predicates"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	notifv1 "github.com/eddy-gitops/eddy/api/notification/v1"
	notifv1beta3 "github.com/eddy-gitops/eddy/api/notification/v1beta3"
	"github.com/eddy-gitops/eddy/notification-controller/internal/dispatch"
	"github.com/eddy-gitops/eddy/notification-controller/internal/notifier"
	"github.com/eddy-gitops/eddy/pkg/reconcile"
)

// Recorder records Kubernetes events (fluxcd/pkg/runtime/events.Recorder fits).
type Recorder interface {
	Eventf(regarding runtime.Object, related runtime.Object, eventtype, reason, action, note string, args ...any)
}

// retryMissingSecret is how soon a Provider whose Secret does not exist yet is checked again.
const retryMissingSecret = time.Minute

// Reconciler manages Providers.
type Reconciler struct {
	client.Client
	// APIReader reads Secrets uncached.
	APIReader client.Reader
	Recorder  Recorder
}

// SetupWithManager registers the reconciler; only spec changes and reconcile requests trigger it.
// opts carries --concurrent and the rate limiter flags.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager, opts controller.Options) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&notifv1beta3.Provider{}, builder.WithPredicates(
			predicate.Or(predicate.GenerationChangedPredicate{}, predicates.ReconcileRequestedPredicate{}))).
		WithOptions(opts).
		Complete(r)
}

// Reconcile: get, finalize on deletion, ensure the finalizer, validate.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	obj := &notifv1beta3.Provider{}
	if err := r.Get(ctx, req.NamespacedName, obj); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !obj.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, r.removeFinalizer(ctx, obj)
	}
	if err := r.addFinalizer(ctx, obj); err != nil {
		return ctrl.Result{}, err
	}
	if err := Validate(ctx, r.APIReader, obj); err != nil {
		r.Recorder.Eventf(obj, nil, corev1.EventTypeWarning, dispatch.ReasonInvalidConfig, "", "%s", err)
		var missing *dispatch.SecretNotFoundError
		if errors.As(err, &missing) {
			return ctrl.Result{RequeueAfter: retryMissingSecret}, nil
		}
	}
	return ctrl.Result{}, nil
}

// Validate reports what would stop the Provider from sending: an unimplemented type, a
// commitStatusExpr, a missing or malformed Secret, a bad address or a missing token.
func Validate(ctx context.Context, c client.Reader, p *notifv1beta3.Provider) error {
	if !notifier.Supported(p.Spec.Type) {
		return fmt.Errorf("provider type %q is not supported yet", p.Spec.Type)
	}
	if p.Spec.CommitStatusExpr != "" {
		if !notifv1beta3.IsCommitStatusProvider(p.Spec.Type) {
			return fmt.Errorf("spec.commitStatusExpr is only allowed for commit status providers, not %q", p.Spec.Type)
		}
		return errors.New("spec.commitStatusExpr is not supported yet")
	}
	opts, err := dispatch.NotifierOptions(ctx, c, p)
	if err != nil {
		return err
	}
	_, err = notifier.New(p.Spec.Type, opts)
	return err
}

func (r *Reconciler) addFinalizer(ctx context.Context, obj *notifv1beta3.Provider) error {
	if controllerutil.ContainsFinalizer(obj, notifv1.NotificationFinalizer) {
		return nil
	}
	patcher := reconcile.NewPatcher(obj, r.Client)
	controllerutil.AddFinalizer(obj, notifv1.NotificationFinalizer)
	return patcher.Patch(ctx, obj)
}

func (r *Reconciler) removeFinalizer(ctx context.Context, obj *notifv1beta3.Provider) error {
	if !controllerutil.ContainsFinalizer(obj, notifv1.NotificationFinalizer) {
		return nil
	}
	patcher := reconcile.NewPatcher(obj, r.Client)
	controllerutil.RemoveFinalizer(obj, notifv1.NotificationFinalizer)
	return client.IgnoreNotFound(patcher.Patch(ctx, obj))
}
