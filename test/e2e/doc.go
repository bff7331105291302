// Package e2e holds Eddy's end-to-end tests. They build the four controller binaries, start them
// with pkg/devenv as separate processes against a real control plane (as in a cluster), and drive
// everything from the outside only: objects through the Kubernetes API, commits to a real Git
// server (fluxcd/pkg/gittestserver), images to a real OCI registry (go-containerregistry's
// pkg/registry), webhooks over HTTP to notification-controller's receiver, and alerts to an HTTP
// server on 127.0.0.1. Unit and envtest suites live with each controller; these tests prove that
// the controllers work together: Git to cluster, webhook to cluster, events to alert, image to
// Git to cluster.
package e2e
