package setup

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/pflag"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	imagev1 "github.com/eddy-gitops/eddy/api/image/v1"
	sourcev1 "github.com/eddy-gitops/eddy/api/source/v1"
	"github.com/eddy-gitops/eddy/image-automation-controller/internal/tagstore"
	"github.com/eddy-gitops/eddy/pkg/manager"
)

// ControllerName is the name used for events, the field manager and leader election.
const ControllerName = "image-automation-controller"

// DefaultStoragePath is where the tag lists of ImageRepositories are kept unless --storage-path
// says otherwise: under the temporary directory, so that a local run works anywhere. The
// Deployment passes --storage-path=/data, a volume, to keep the lists across restarts.
var DefaultStoragePath = filepath.Join(os.TempDir(), ControllerName, "tags")

// Options are the flags specific to image-automation-controller.
type Options struct {
	// StoragePath is the directory of the ImageRepository tag lists (--storage-path).
	StoragePath string
	// GitCachePath is the directory of the ImageUpdateAutomation warm clones (--git-cache-path);
	// empty means $EDDY_GIT_CACHE_DIR, else gitCacheSubdir under StoragePath.
	GitCachePath string
	// NoCrossNamespaceRefs refuses ImageUpdateAutomation sourceRefs to another namespace
	// (--no-cross-namespace-refs), as Flux does.
	NoCrossNamespaceRefs bool

	store *tagstore.Store
}

// BindFlags registers the controller's own flags on fs.
func (o *Options) BindFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.StoragePath, "storage-path", DefaultStoragePath,
		"The directory where the tag lists of ImageRepositories are stored (one small compressed file each).")
	fs.StringVar(&o.GitCachePath, "git-cache-path", "",
		"The directory of the warm Git clones of ImageUpdateAutomations, kept between runs and restarts. "+
			"Defaults to $"+GitCacheDirEnv+", else '"+gitCacheSubdir+"' under --storage-path.")
	fs.BoolVar(&o.NoCrossNamespaceRefs, "no-cross-namespace-refs", false,
		"When set, an ImageUpdateAutomation may only refer to a GitRepository in its own namespace.")
}

// tagStore opens the tag list directory once; both the ImageRepository and the ImagePolicy
// reconcilers use it.
func (o *Options) tagStore() (*tagstore.Store, error) {
	if o.store == nil {
		path := o.StoragePath
		if path == "" {
			path = DefaultStoragePath
		}
		s, err := tagstore.New(path)
		if err != nil {
			return nil, fmt.Errorf("--storage-path: %w", err)
		}
		o.store = s
	}
	return o.store, nil
}

// AddToScheme registers the API types this controller reads and writes.
func AddToScheme(s *runtime.Scheme) error {
	for _, add := range []func(*runtime.Scheme) error{imagev1.AddToScheme, sourcev1.AddToScheme} {
		if err := add(s); err != nil {
			return err
		}
	}
	return nil
}

// WatchedObjects lists the kinds this controller owns; --watch-label-selector applies to them.
func WatchedObjects() []client.Object {
	return []client.Object{&imagev1.ImageRepository{}, &imagev1.ImagePolicy{}, &imagev1.ImageUpdateAutomation{}}
}

// +kubebuilder:rbac:groups="",resources=events,verbs=create;patch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch
// +kubebuilder:rbac:groups=coordination.k8s.io,resources=leases,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups="",resources=secrets;configmaps,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=serviceaccounts,verbs=get;list;watch
// +kubebuilder:rbac:groups="",resources=namespaces,verbs=get;list;watch
// +kubebuilder:rbac:groups=image.toolkit.fluxcd.io,resources=imagerepositories;imagepolicies;imageupdateautomations,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=image.toolkit.fluxcd.io,resources=imagerepositories/status;imagepolicies/status;imageupdateautomations/status,verbs=get;update;patch
// +kubebuilder:rbac:groups=image.toolkit.fluxcd.io,resources=imagerepositories/finalizers;imagepolicies/finalizers;imageupdateautomations/finalizers,verbs=update
// +kubebuilder:rbac:groups=source.toolkit.fluxcd.io,resources=gitrepositories,verbs=get;list;watch

// SetupWithManager registers the controller's reconcilers and runnables on the manager.
func (o *Options) SetupWithManager(ctx context.Context, rt *manager.Runtime) error {
	for _, setup := range []func(context.Context, *manager.Runtime) error{
		o.setupImageRepository,
		o.setupImagePolicy,
		o.setupImageUpdateAutomation,
	} {
		if err := setup(ctx, rt); err != nil {
			return err
		}
	}
	return nil
}
