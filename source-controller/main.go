// Command source-controller is Eddy's source-controller: it fetches Git repositories and OCI artifacts and serves
// them as digest-addressed tarballs (GitRepository, OCIRepository).
package main

import (
	"os"

	"github.com/eddy-gitops/eddy/pkg/manager"
	"github.com/eddy-gitops/eddy/source-controller/setup"
)

func main() {
	var opts setup.Options
	os.Exit(manager.Main(manager.Binary{
		Name:              setup.ControllerName,
		ConcurrentDefault: 2,
		AddToScheme:       setup.AddToScheme,
		WatchedObjects:    setup.WatchedObjects(),
		BindFlags:         opts.BindFlags,
		Setup:             opts.SetupWithManager,
	}))
}
