// Package setup is the small public face of kustomize-controller: its flags (Options), the API types it
// registers (AddToScheme), the kinds it owns (WatchedObjects) and SetupWithManager, which adds
// its reconcilers and servers to a manager. main.go and, later, the all-in-one binary use only
// this package; everything else lives in internal/.
package setup
