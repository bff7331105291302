package setup

import (
	"context"

	"github.com/eddy-gitops/eddy/pkg/manager"
)

// setupImageUpdateAutomation registers the ImageUpdateAutomation reconciler (not implemented yet).
func (o *Options) setupImageUpdateAutomation(ctx context.Context, rt *manager.Runtime) error {
	return nil
}
