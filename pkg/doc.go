// Package pkg is the root of Eddy's shared runtime module. Code lives here only when two or more
// controllers need it; each controller module imports it, and it never imports a controller.
//
//   - manager      the shared flags and the controller-runtime manager every binary starts
//   - testenv      the envtest harness: one real kube-apiserver and etcd per test package
//   - controlplane finding and starting the locally built etcd, kube-apiserver and
//     kube-controller-manager (used by testenv and by `make run`)
package pkg
