// Command kustomize-controller is Eddy's kustomize-controller: it builds source artifacts with kustomize,
// server-side-applies them, prunes, checks health and orders by dependsOn (Kustomization).
package main

import (
	"os"

	"github.com/eddy-gitops/eddy/kustomize-controller/setup"
	"github.com/eddy-gitops/eddy/pkg/manager"
)

func main() {
	var opts setup.Options
	os.Exit(manager.Main(manager.Binary{
		Name:              setup.ControllerName,
		ConcurrentDefault: 16,
		AddToScheme:       setup.AddToScheme,
		WatchedObjects:    setup.WatchedObjects(),
		BindFlags:         opts.BindFlags,
		Setup:             opts.SetupWithManager,
	}))
}
