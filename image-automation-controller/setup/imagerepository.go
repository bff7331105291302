package setup

import (
	"context"

	runtimectrl "github.com/fluxcd/pkg/runtime/controller"

	"github.com/eddy-gitops/eddy/image-automation-controller/internal/controller/imagerepository"
	"github.com/eddy-gitops/eddy/image-automation-controller/internal/registry"
	"github.com/eddy-gitops/eddy/pkg/manager"
	"github.com/eddy-gitops/eddy/pkg/reconcile"
)

// setupImageRepository registers the ImageRepository reconciler.
func (o *Options) setupImageRepository(ctx context.Context, rt *manager.Runtime) error {
	store, err := o.tagStore()
	if err != nil {
		return err
	}
	r := &imagerepository.Reconciler{
		Client:     rt.Manager.GetClient(),
		Recorder:   reconcile.EventRecorder(rt.Recorder),
		Store:      store,
		Registry:   &registry.Client{UserAgent: ControllerName},
		FieldOwner: ControllerName,
	}
	return r.SetupWithManager(rt.Manager, imagerepository.Options{
		MaxConcurrentReconciles: rt.Concurrent,
		RateLimiter:             runtimectrl.GetRateLimiter(rt.RateLimiter),
	})
}
