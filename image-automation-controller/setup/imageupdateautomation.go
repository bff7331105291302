package setup

import (
	"context"
	"os"
	"path/filepath"

	runtimectrl "github.com/fluxcd/pkg/runtime/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller"

	"github.com/eddy-gitops/eddy/image-automation-controller/internal/controller/imageupdateautomation"
	"github.com/eddy-gitops/eddy/image-automation-controller/internal/gitpush"
	"github.com/eddy-gitops/eddy/pkg/manager"
)

// GitCacheDirEnv says where the warm Git clones of ImageUpdateAutomations live when
// --git-cache-path is not given (kept for environments that set it, e.g. pkg/devenv).
const GitCacheDirEnv = "EDDY_GIT_CACHE_DIR"

// gitCacheSubdir is the default clone directory under --storage-path. The underscore cannot
// start a namespace name, so it never collides with a namespace's tag list directory.
const gitCacheSubdir = "_git"

// gitCacheDir picks the clone directory: the flag, else the environment variable, else under the
// storage path, so that a Deployment with a volume at --storage-path keeps its clones too.
func (o *Options) gitCacheDir() string {
	if o.GitCachePath != "" {
		return o.GitCachePath
	}
	if dir := os.Getenv(GitCacheDirEnv); dir != "" {
		return dir
	}
	storage := o.StoragePath
	if storage == "" {
		storage = DefaultStoragePath
	}
	return filepath.Join(storage, gitCacheSubdir)
}

// setupImageUpdateAutomation registers the ImageUpdateAutomation reconciler.
func (o *Options) setupImageUpdateAutomation(ctx context.Context, rt *manager.Runtime) error {
	r := &imageupdateautomation.Reconciler{
		Client:         rt.Manager.GetClient(),
		Recorder:       rt.Recorder,
		ControllerName: ControllerName,
		Clones:         gitpush.NewCache(o.gitCacheDir()),

		NoCrossNamespaceRefs: o.NoCrossNamespaceRefs,
	}
	return r.SetupWithManager(rt.Manager, controller.Options{
		MaxConcurrentReconciles: rt.Concurrent,
		RateLimiter:             runtimectrl.GetRateLimiter(rt.RateLimiter),
	})
}
