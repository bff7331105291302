// Package devenv runs Eddy locally: it starts the control plane from pkg/controlplane (etcd,
// kube-apiserver, kube-controller-manager) with the CRDs installed, then the four controller
// binaries as separate processes pointed at it, each on its own ports, and stops all of them
// together. `make run` uses it through `eddy dev`; its test checks that every controller starts
// cleanly and exits cleanly on SIGTERM.
package devenv
