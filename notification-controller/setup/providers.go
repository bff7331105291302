package setup

import (
	"context"

	"github.com/eddy-gitops/eddy/notification-controller/internal/controller/provider"
	"github.com/eddy-gitops/eddy/pkg/manager"
)

// setupProviders registers the Provider reconciler (finalizer and validation of type, Secrets
// and address).
func (o *Options) setupProviders(ctx context.Context, rt *manager.Runtime) error {
	r := &provider.Reconciler{
		Client:    rt.Manager.GetClient(),
		APIReader: rt.Manager.GetAPIReader(),
		Recorder:  rt.Recorder,
	}
	return r.SetupWithManager(rt.Manager, controllerOptions(rt))
}
