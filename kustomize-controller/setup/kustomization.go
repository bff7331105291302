package setup

import (
	"context"

	"github.com/eddy-gitops/eddy/pkg/manager"
)

// setupKustomization registers the Kustomization reconciler (not implemented yet).
func (o *Options) setupKustomization(ctx context.Context, rt *manager.Runtime) error {
	return nil
}
