// Package demo is the `make run` demo (`eddy dev --demo`): it serves the fleet repository in
// config/samples/demo/fleet from a local Git server on 127.0.0.1 (fluxcd/pkg/gittestserver, smart
// HTTP) and points a GitRepository and a root Kustomization of the dev environment at it, so that
// a fresh `make run` shows a synced cluster. It talks to the cluster only through the Kubernetes
// API, like a user; pkg/devenv starts the cluster it runs against, and test/e2e tests it there.
package demo
