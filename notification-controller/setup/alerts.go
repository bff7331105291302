package setup

import (
	"context"

	"github.com/eddy-gitops/eddy/pkg/manager"
)

// setupAlerts registers the Alerts reconciler (not implemented yet).
func (o *Options) setupAlerts(ctx context.Context, rt *manager.Runtime) error {
	return nil
}
