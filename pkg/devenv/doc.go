// Package devenv runs Eddy locally as it runs in a cluster: it starts the control plane from
// pkg/controlplane (etcd, kube-apiserver, kube-controller-manager) with the CRDs installed, then
// the four controller binaries as separate processes pointed at it, each on its own ports, and
// stops all of them together. `make run` uses it through `eddy dev`; end-to-end tests and the
// benchmark harness use it too. Its own test checks that every controller starts cleanly and
// exits cleanly on SIGTERM.
package devenv
