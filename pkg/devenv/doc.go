// Package devenv runs Eddy locally as it runs in a cluster: it starts the control plane from
// pkg/controlplane (etcd, kube-apiserver, kube-controller-manager) with the CRDs installed, then
// the four controller binaries as separate processes pointed at it, each on its own ports, and
// stops all of them together. Env exports the addresses other parties call (artifact server,
// event endpoint, webhook receiver); ports are laid out from a base port for `make run` or picked
// free for tests. Build compiles the binaries for tests. `make run` uses it through `eddy dev`
// (with the demo of the sub-package demo); test/e2e and the benchmark harness use it too. Its own
// test checks that every controller starts cleanly, the exported addresses answer, and every
// controller exits cleanly on SIGTERM.
package devenv
