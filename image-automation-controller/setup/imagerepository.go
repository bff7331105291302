package setup

import (
	"context"

	"github.com/eddy-gitops/eddy/pkg/manager"
)

// setupImageRepository registers the ImageRepository reconciler (not implemented yet).
func (o *Options) setupImageRepository(ctx context.Context, rt *manager.Runtime) error {
	return nil
}
