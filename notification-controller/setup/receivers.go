package setup

import (
	"context"

	"github.com/fluxcd/pkg/runtime/controller"

	receiverctl "github.com/eddy-gitops/eddy/notification-controller/internal/controller/receiver"
	"github.com/eddy-gitops/eddy/notification-controller/internal/receiver"
	"github.com/eddy-gitops/eddy/pkg/manager"
	"github.com/eddy-gitops/eddy/pkg/reconcile"
)

// setupReceivers registers the Receiver reconciler and the webhook server (--receiver-addr).
// The server finds Receivers through a field index on status.webhookPath in the manager's cache.
func (o *Options) setupReceivers(ctx context.Context, rt *manager.Runtime) error {
	mgr := rt.Manager
	if err := receiver.IndexWebhookPath(ctx, mgr.GetFieldIndexer()); err != nil {
		return err
	}
	r := &receiverctl.Reconciler{
		Client:         mgr.GetClient(),
		APIReader:      mgr.GetAPIReader(),
		EventRecorder:  reconcile.EventRecorder(rt.Recorder),
		ControllerName: ControllerName,
	}
	if err := r.SetupWithManager(ctx, mgr, receiverctl.Options{
		MaxConcurrentReconciles: rt.Concurrent,
		RateLimiter:             controller.GetRateLimiter(rt.RateLimiter),
	}); err != nil {
		return err
	}
	return mgr.Add(receiver.New(mgr.GetClient(), mgr.GetAPIReader(), rt.Log.WithName("receiver-server"),
		receiver.Options{Addr: o.ReceiverAddr}))
}
