package setup

import (
	"context"

	runtimectrl "github.com/fluxcd/pkg/runtime/controller"

	"github.com/eddy-gitops/eddy/image-automation-controller/internal/controller/imagepolicy"
	"github.com/eddy-gitops/eddy/image-automation-controller/internal/registry"
	"github.com/eddy-gitops/eddy/pkg/manager"
	"github.com/eddy-gitops/eddy/pkg/reconcile"
)

// setupImagePolicy registers the ImagePolicy reconciler. It reads the tag lists the
// ImageRepository reconciler stores, so both must run in the same process.
func (o *Options) setupImagePolicy(ctx context.Context, rt *manager.Runtime) error {
	store, err := o.tagStore()
	if err != nil {
		return err
	}
	r := &imagepolicy.Reconciler{
		Client:     rt.Manager.GetClient(),
		Recorder:   reconcile.EventRecorder(rt.Recorder),
		Store:      store,
		Registry:   &registry.Client{UserAgent: ControllerName},
		FieldOwner: ControllerName,
	}
	return r.SetupWithManager(ctx, rt.Manager, imagepolicy.Options{
		MaxConcurrentReconciles: rt.Concurrent,
		RateLimiter:             runtimectrl.GetRateLimiter(rt.RateLimiter),
	})
}
