package setup

import (
	"context"

	"github.com/eddy-gitops/eddy/pkg/manager"
)

// setupImagePolicy registers the ImagePolicy reconciler (not implemented yet).
func (o *Options) setupImagePolicy(ctx context.Context, rt *manager.Runtime) error {
	return nil
}
