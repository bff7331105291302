package setup

import (
	"context"

	"github.com/eddy-gitops/eddy/pkg/manager"
)

// setupStorage registers the Storage reconciler (not implemented yet).
func (o *Options) setupStorage(ctx context.Context, rt *manager.Runtime) error {
	return nil
}
