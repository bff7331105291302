package setup

import (
	"context"
	"errors"

	fluxcontroller "github.com/fluxcd/pkg/runtime/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller"

	"github.com/eddy-gitops/eddy/pkg/manager"
	"github.com/eddy-gitops/eddy/source-controller/internal/controller/ocirepository"
)

// setupOCIRepository registers the OCIRepository reconciler. It needs the artifact storage that
// setupStorage created.
func (o *Options) setupOCIRepository(ctx context.Context, rt *manager.Runtime) error {
	if o.artifactStorage == nil {
		return errors.New("OCIRepository: the artifact storage is not set up")
	}
	r := &ocirepository.Reconciler{
		Client:         rt.Manager.GetClient(),
		Storage:        o.artifactStorage,
		Recorder:       rt.Recorder,
		ControllerName: ControllerName,
	}
	return r.SetupWithManager(ctx, rt.Manager, ocirepository.Options{
		Controller: controller.Options{
			MaxConcurrentReconciles: rt.Concurrent,
			RateLimiter:             fluxcontroller.GetRateLimiter(rt.RateLimiter),
		},
	})
}
