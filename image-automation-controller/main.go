// Command image-automation-controller is Eddy's image-automation-controller: it scans registries for tags, picks
// the newest per policy and commits new tags back to Git (ImageRepository, ImagePolicy,
// ImageUpdateAutomation).
package main

import (
	"os"

	"github.com/eddy-gitops/eddy/image-automation-controller/setup"
	"github.com/eddy-gitops/eddy/pkg/manager"
)

func main() {
	var opts setup.Options
	os.Exit(manager.Main(manager.Binary{
		Name:              setup.ControllerName,
		ConcurrentDefault: 4,
		AddToScheme:       setup.AddToScheme,
		WatchedObjects:    setup.WatchedObjects(),
		BindFlags:         opts.BindFlags,
		Setup:             opts.SetupWithManager,
	}))
}
