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

// GitCacheDirEnv overrides where the warm Git clones of ImageUpdateAutomation live. Put it on a
// volume to keep the clones across restarts; the default is under the temporary directory.
const GitCacheDirEnv = "EDDY_GIT_CACHE_DIR"

func gitCacheDir() string {
	if dir := os.Getenv(GitCacheDirEnv); dir != "" {
		return dir
	}
	return filepath.Join(os.TempDir(), ControllerName, "git")
}

// setupImageUpdateAutomation registers the ImageUpdateAutomation reconciler.
func (o *Options) setupImageUpdateAutomation(ctx context.Context, rt *manager.Runtime) error {
	r := &imageupdateautomation.Reconciler{
		Client:         rt.Manager.GetClient(),
		Recorder:       rt.Recorder,
		ControllerName: ControllerName,
		Clones:         gitpush.NewCache(gitCacheDir()),
	}
	return r.SetupWithManager(rt.Manager, controller.Options{
		MaxConcurrentReconciles: rt.Concurrent,
		RateLimiter:             runtimectrl.GetRateLimiter(rt.RateLimiter),
	})
}
