package setup

import (
	"context"
	"errors"

	fluxcontroller "github.com/fluxcd/pkg/runtime/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller"

	"github.com/eddy-gitops/eddy/pkg/manager"
	"github.com/eddy-gitops/eddy/source-controller/internal/controller/gitrepository"
)

// setupGitRepository registers the GitRepository reconciler. It needs the artifact storage that
// setupStorage created.
func (o *Options) setupGitRepository(ctx context.Context, rt *manager.Runtime) error {
	if o.artifactStorage == nil {
		return errors.New("GitRepository: the artifact storage is not set up")
	}
	r := &gitrepository.Reconciler{
		Client:         rt.Manager.GetClient(),
		Storage:        o.artifactStorage,
		Recorder:       rt.Recorder,
		ControllerName: ControllerName,
	}
	return r.SetupWithManager(ctx, rt.Manager, gitrepository.Options{
		Controller: controller.Options{
			MaxConcurrentReconciles: rt.Concurrent,
			RateLimiter:             fluxcontroller.GetRateLimiter(rt.RateLimiter),
		},
	})
}
