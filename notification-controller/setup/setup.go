package setup

import (
	"context"
	"time"

	"github.com/spf13/pflag"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	notifv1 "github.com/eddy-gitops/eddy/api/notification/v1"
	notifv1beta3 "github.com/eddy-gitops/eddy/api/notification/v1beta3"
	"github.com/eddy-gitops/eddy/pkg/manager"
)

// ControllerName is the name used for events, the field manager and leader election.
const ControllerName = "notification-controller"

// Options are the flags specific to notification-controller.
type Options struct {
	// EventsAddr is where the event server listens (--events-addr, default ":9090"). The other
	// controllers use the same flag name as the URL they POST to; this binary binds it itself
	// (manager.Binary.OwnEventsAddr), so its own recorder writes Kubernetes Events only.
	EventsAddr string
	// ReceiverAddr is where the webhook receiver server listens (--receiver-addr, default ":9292").
	ReceiverAddr string
	// RateLimitInterval is the window in which a duplicate event is answered 429 and dropped
	// (--rate-limit-interval, default 5m).
	RateLimitInterval time.Duration
	// NoCrossNamespaceRefs makes an Alert only see events from its own namespace
	// (--no-cross-namespace-refs).
	NoCrossNamespaceRefs bool
}

// BindFlags registers the controller's own flags on fs.
func (o *Options) BindFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.EventsAddr, "events-addr", ":9090", "The address the event endpoint binds to.")
	fs.StringVar(&o.ReceiverAddr, "receiver-addr", ":9292", "The address the webhook receiver endpoint binds to.")
	fs.DurationVar(&o.RateLimitInterval, "rate-limit-interval", 5*time.Minute,
		"The window in which an identical event is answered 429 Too Many Requests and not dispatched again.")
	fs.BoolVar(&o.NoCrossNamespaceRefs, "no-cross-namespace-refs", false,
		"When set, an Alert only matches events about objects in its own namespace.")
}

// AddToScheme registers the API types this controller reads and writes.
func AddToScheme(s *runtime.Scheme) error {
	for _, add := range []func(*runtime.Scheme) error{notifv1beta3.AddToScheme, notifv1.AddToScheme} {
		if err := add(s); err != nil {
			return err
		}
	}
	return nil
}

// WatchedObjects lists the kinds this controller owns; --watch-label-selector applies to them.
func WatchedObjects() []client.Object {
	return []client.Object{&notifv1beta3.Provider{}, &notifv1beta3.Alert{}, &notifv1.Receiver{}}
}

// +kubebuilder:rbac:groups="",resources=events,verbs=create;patch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch
// +kubebuilder:rbac:groups=coordination.k8s.io,resources=leases,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups="",resources=secrets;configmaps,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=serviceaccounts,verbs=get;list;watch
// +kubebuilder:rbac:groups=notification.toolkit.fluxcd.io,resources=providers;alerts;receivers,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=notification.toolkit.fluxcd.io,resources=providers/status;alerts/status;receivers/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=notification.toolkit.fluxcd.io,resources=providers/finalizers;alerts/finalizers;receivers/finalizers,verbs=update
// Receivers annotate the objects they trigger; alerts with matchLabels read them.
// +kubebuilder:rbac:groups=source.toolkit.fluxcd.io;kustomize.toolkit.fluxcd.io;image.toolkit.fluxcd.io;helm.toolkit.fluxcd.io,resources=*,verbs=get;list;watch;patch

// SetupWithManager registers the controller's reconcilers and runnables on the manager.
func (o *Options) SetupWithManager(ctx context.Context, rt *manager.Runtime) error {
	for _, setup := range []func(context.Context, *manager.Runtime) error{
		o.setupEvents,
		o.setupProviders,
		o.setupAlerts,
		o.setupReceivers,
	} {
		if err := setup(ctx, rt); err != nil {
			return err
		}
	}
	return nil
}
