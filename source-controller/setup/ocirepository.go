package setup

import (
	"context"

	"github.com/eddy-gitops/eddy/pkg/manager"
)

// setupOCIRepository registers the OCIRepository reconciler (not implemented yet).
func (o *Options) setupOCIRepository(ctx context.Context, rt *manager.Runtime) error {
	return nil
}
