package setup

import (
	"context"

	"github.com/eddy-gitops/eddy/pkg/manager"
)

// setupEvents registers the Events reconciler (not implemented yet).
func (o *Options) setupEvents(ctx context.Context, rt *manager.Runtime) error {
	return nil
}
