// Package pkg is the root of Eddy's shared runtime module. Code lives here only when two or more
// controllers need it; each controller module imports it, and it never imports a controller.
//
//   - manager      the shared flags and the controller-runtime manager every binary starts
//   - testenv      the envtest harness: one real kube-apiserver and etcd per test package
//   - artifact     the consumer side of source artifacts: download, verify the digest, extract
//     safely (kustomize-controller, image-automation-controller)
//   - controlplane finding and starting the locally built etcd, kube-apiserver and
//     kube-controller-manager (used by testenv and by `make run`)
//   - devenv       the four controller binaries as processes against that control plane
//     (`make run`, end-to-end tests, benchmarks); devenv/demo is the Git-served demo fleet
//     `make run` syncs
//   - reconcile    the status idiom every reconciler shares
package pkg
