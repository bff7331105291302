package setup

import (
	"context"

	"github.com/eddy-gitops/eddy/pkg/manager"
)

// setupGitRepository registers the GitRepository reconciler (not implemented yet).
func (o *Options) setupGitRepository(ctx context.Context, rt *manager.Runtime) error {
	return nil
}
