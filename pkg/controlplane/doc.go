// Package controlplane finds and starts the local Kubernetes control plane that Eddy uses for
// tests, for `make run` and for benchmarks: etcd, kube-apiserver and optionally
// kube-controller-manager, all built from source by hack/build-control-plane.sh into a cache
// outside the repository. It builds on controller-runtime's envtest for etcd and the API server
// and adds kube-controller-manager (so Deployments become Available without a kubelet) and a
// kubeconfig file that kubectl can use.
//
// testenv uses it for one control plane per test package; the dev environment and the benchmark
// harness use it for a long-running one.
package controlplane
