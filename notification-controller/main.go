// Command notification-controller is Eddy's notification-controller: it receives events from the other
// controllers, sends alerts through providers and serves webhook receivers that trigger
// reconciles (Provider, Alert, Receiver).
package main

import (
	"os"

	"github.com/eddy-gitops/eddy/notification-controller/setup"
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
		OwnEventsAddr:     true,
		Setup:             opts.SetupWithManager,
	}))
}
