// Package controllertest holds the test set-up that the envtest suites of the GitRepository and
// OCIRepository reconcilers share: a temporary artifact storage that a real HTTP server serves,
// as the controller's storage and file server are in the binary.
//
// Each suite keeps its own reconciler, options, retention and HTTP handler; only the storage
// plumbing lives here. It is imported by tests only.
package controllertest
