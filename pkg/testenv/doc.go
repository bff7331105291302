// Package testenv is Eddy's envtest harness: each reconciler package's TestMain starts one real
// kube-apiserver and etcd (through the controlplane package), installs every CRD from
// config/crd/bases, registers the package's reconcilers on a manager and runs the tests against
// it. Tests then use the helpers here (a namespace per test, create-and-wait) and assert the
// state of the API server, never a fake client. LaggingClient wraps the real client to serve one
// object from an older copy, for tests of what a reconciler does when its cache lags behind its
// own last write.
//
// When the control-plane binaries are missing the suite fails with the exact command that
// builds them; with -short it is skipped instead, so pure unit tests still run anywhere.
package testenv
