package setup

import (
	"context"

	"github.com/eddy-gitops/eddy/notification-controller/internal/dispatch"
	"github.com/eddy-gitops/eddy/notification-controller/internal/server"
	"github.com/eddy-gitops/eddy/pkg/manager"
)

// setupEvents adds the event server (--events-addr) and the dispatcher behind it. Alerts and
// Providers are read from the manager's cache; Secrets and the labels of event sources are
// read uncached.
func (o *Options) setupEvents(ctx context.Context, rt *manager.Runtime) error {
	mgr := rt.Manager
	d := dispatch.New(dispatch.Options{
		Client:               mgr.GetClient(),
		APIReader:            mgr.GetAPIReader(),
		Recorder:             rt.Recorder,
		NoCrossNamespaceRefs: o.NoCrossNamespaceRefs,
		Log:                  rt.Log.WithName("dispatch"),
	})
	return mgr.Add(server.New(server.Options{
		Addr:              o.EventsAddr,
		RateLimitInterval: o.RateLimitInterval,
		Log:               rt.Log.WithName("event-server"),
	}, d))
}
