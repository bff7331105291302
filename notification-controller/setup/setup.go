package setup

import (
	"context"

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
type Options struct{}

// BindFlags registers the controller's own flags on fs.
func (o *Options) BindFlags(fs *pflag.FlagSet) {}

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
		o.setupAlerts,
		o.setupReceivers,
	} {
		if err := setup(ctx, rt); err != nil {
			return err
		}
	}
	return nil
}
