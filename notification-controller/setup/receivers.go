package setup

import (
	"context"

	"github.com/eddy-gitops/eddy/pkg/manager"
)

// setupReceivers registers the Receivers reconciler (not implemented yet).
func (o *Options) setupReceivers(ctx context.Context, rt *manager.Runtime) error {
	return nil
}
