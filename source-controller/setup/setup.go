package setup

import (
	"context"

	"github.com/spf13/pflag"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	artcfg "github.com/fluxcd/pkg/artifact/config"
	"github.com/fluxcd/pkg/artifact/storage"

	sourcev1 "github.com/eddy-gitops/eddy/api/source/v1"
	"github.com/eddy-gitops/eddy/pkg/manager"
)

// ControllerName is the name used for events, the field manager and leader election.
const ControllerName = "source-controller"

// Options are the flags specific to source-controller.
type Options struct {
	// Storage holds the artifact storage flags (--storage-path, --storage-addr,
	// --storage-adv-addr, --artifact-retention-ttl, --artifact-retention-records,
	// --artifact-digest-algo).
	Storage artcfg.Options

	// artifactStorage is the storage every source reconciler writes its artifacts to. It is
	// created by setupStorage, which runs before the reconcilers' setup functions.
	artifactStorage *storage.Storage
}

// BindFlags registers the controller's own flags on fs.
func (o *Options) BindFlags(fs *pflag.FlagSet) {
	o.Storage.BindFlags(fs)
}

// AddToScheme registers the API types this controller reads and writes.
func AddToScheme(s *runtime.Scheme) error {
	for _, add := range []func(*runtime.Scheme) error{sourcev1.AddToScheme} {
		if err := add(s); err != nil {
			return err
		}
	}
	return nil
}

// WatchedObjects lists the kinds this controller owns; --watch-label-selector applies to them.
func WatchedObjects() []client.Object {
	return []client.Object{&sourcev1.GitRepository{}, &sourcev1.OCIRepository{}}
}

// +kubebuilder:rbac:groups="",resources=events,verbs=create;patch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch
// +kubebuilder:rbac:groups=coordination.k8s.io,resources=leases,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups="",resources=secrets;configmaps,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=serviceaccounts,verbs=get;list;watch
// +kubebuilder:rbac:groups=source.toolkit.fluxcd.io,resources=gitrepositories;ocirepositories,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=source.toolkit.fluxcd.io,resources=gitrepositories/status;ocirepositories/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=source.toolkit.fluxcd.io,resources=gitrepositories/finalizers;ocirepositories/finalizers,verbs=update

// SetupWithManager registers the controller's reconcilers and runnables on the manager.
func (o *Options) SetupWithManager(ctx context.Context, rt *manager.Runtime) error {
	for _, setup := range []func(context.Context, *manager.Runtime) error{
		o.setupStorage,
		o.setupGitRepository,
		o.setupOCIRepository,
	} {
		if err := setup(ctx, rt); err != nil {
			return err
		}
	}
	return nil
}
