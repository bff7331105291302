package setup

import (
	"context"

	"github.com/fluxcd/pkg/runtime/controller"
	ctrlcontroller "sigs.k8s.io/controller-runtime/pkg/controller"

	"github.com/eddy-gitops/eddy/notification-controller/internal/controller/alert"
	"github.com/eddy-gitops/eddy/pkg/manager"
)

// setupAlerts registers the Alert reconciler (finalizer and spec checks; matching is per event).
func (o *Options) setupAlerts(ctx context.Context, rt *manager.Runtime) error {
	r := &alert.Reconciler{
		Client:               rt.Manager.GetClient(),
		Recorder:             rt.Recorder,
		NoCrossNamespaceRefs: o.NoCrossNamespaceRefs,
	}
	return r.SetupWithManager(rt.Manager, controllerOptions(rt))
}

// controllerOptions carries --concurrent and the rate limiter flags to a controller.
func controllerOptions(rt *manager.Runtime) ctrlcontroller.Options {
	return ctrlcontroller.Options{
		MaxConcurrentReconciles: max(rt.Concurrent, 1),
		RateLimiter:             controller.GetRateLimiter(rt.RateLimiter),
	}
}
