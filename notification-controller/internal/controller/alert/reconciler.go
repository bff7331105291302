package alert

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/fluxcd/pkg/runtime/predicates"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
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
	"github.com/eddy-gitops/eddy/pkg/reconcile"
)

// Recorder records Kubernetes events (fluxcd/pkg/runtime/events.Recorder fits).
type Recorder interface {
	Eventf(regarding runtime.Object, related runtime.Object, eventtype, reason, action, note string, args ...any)
}

// retryMissingProvider is how soon an Alert whose Provider does not exist yet is checked again.
const retryMissingProvider = time.Minute

// errProviderNotFound marks the one Alert problem that can fix itself.
var errProviderNotFound = errors.New("provider not found")

// Reconciler manages Alerts.
type Reconciler struct {
	client.Client
	Recorder             Recorder
	NoCrossNamespaceRefs bool
}

// SetupWithManager registers the reconciler; only spec changes and reconcile requests trigger it.
// opts carries --concurrent and the rate limiter flags.
func (r *Reconciler) SetupWithManager(mgr ctrl.Manager, opts controller.Options) error {
	return ctrl.NewControllerManagedBy(mgr).
		For(&notifv1beta3.Alert{}, builder.WithPredicates(
			predicate.Or(predicate.GenerationChangedPredicate{}, predicates.ReconcileRequestedPredicate{}))).
		WithOptions(opts).
		Complete(r)
}

// Reconcile: get, finalize on deletion, ensure the finalizer, validate.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	obj := &notifv1beta3.Alert{}
	if err := r.Get(ctx, req.NamespacedName, obj); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if !obj.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, r.removeFinalizer(ctx, obj)
	}
	if err := r.addFinalizer(ctx, obj); err != nil {
		return ctrl.Result{}, err
	}
	if err := ValidateSpec(obj, r.NoCrossNamespaceRefs); err != nil {
		r.Recorder.Eventf(obj, nil, corev1.EventTypeWarning, dispatch.ReasonInvalidConfig, "", "%s", err)
		return ctrl.Result{}, nil
	}
	if err := r.checkProvider(ctx, obj); err != nil {
		r.Recorder.Eventf(obj, nil, corev1.EventTypeWarning, dispatch.ReasonInvalidConfig, "", "%s", err)
		if errors.Is(err, errProviderNotFound) {
			return ctrl.Result{RequeueAfter: retryMissingProvider}, nil
		}
	}
	return ctrl.Result{}, nil
}

// ValidateSpec checks what the CRD schema cannot. It is pure, for table tests.
func ValidateSpec(a *notifv1beta3.Alert, noCrossNamespaceRefs bool) error {
	var errs []error
	for _, expr := range a.Spec.InclusionList {
		if _, err := regexp.Compile(expr); err != nil {
			errs = append(errs, fmt.Errorf("invalid inclusionList expression %q: %w", expr, err))
		}
	}
	for _, expr := range a.Spec.ExclusionList {
		if _, err := regexp.Compile(expr); err != nil {
			errs = append(errs, fmt.Errorf("invalid exclusionList expression %q: %w", expr, err))
		}
	}
	for i, src := range a.Spec.EventSources {
		if len(src.MatchLabels) > 0 && src.Name != "*" {
			errs = append(errs, fmt.Errorf("eventSources[%d]: matchLabels needs name '*', got %q", i, src.Name))
		}
		if noCrossNamespaceRefs && src.Namespace != "" && src.Namespace != a.Namespace {
			errs = append(errs, fmt.Errorf("eventSources[%d]: namespace %q is not allowed: cross-namespace references are disabled (--no-cross-namespace-refs)", i, src.Namespace))
		}
	}
	return errors.Join(errs...)
}

func (r *Reconciler) checkProvider(ctx context.Context, a *notifv1beta3.Alert) error {
	var p notifv1beta3.Provider
	err := r.Get(ctx, client.ObjectKey{Namespace: a.Namespace, Name: a.Spec.ProviderRef.Name}, &p)
	if apierrors.IsNotFound(err) {
		return fmt.Errorf("Provider %q: %w", a.Spec.ProviderRef.Name, errProviderNotFound)
	}
	return err
}

func (r *Reconciler) addFinalizer(ctx context.Context, obj *notifv1beta3.Alert) error {
	if controllerutil.ContainsFinalizer(obj, notifv1.NotificationFinalizer) {
		return nil
	}
	patcher := reconcile.NewPatcher(obj, r.Client)
	controllerutil.AddFinalizer(obj, notifv1.NotificationFinalizer)
	return patcher.Patch(ctx, obj)
}

func (r *Reconciler) removeFinalizer(ctx context.Context, obj *notifv1beta3.Alert) error {
	if !controllerutil.ContainsFinalizer(obj, notifv1.NotificationFinalizer) {
		return nil
	}
	patcher := reconcile.NewPatcher(obj, r.Client)
	controllerutil.RemoveFinalizer(obj, notifv1.NotificationFinalizer)
	return client.IgnoreNotFound(patcher.Patch(ctx, obj))
}
