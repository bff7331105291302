// Package ocitest provides real, in-process OCI registries for tests (go-containerregistry's
// pkg/registry on httptest, optionally behind basic auth, with TLS, or serving corrupted blobs)
// and helpers that push artifacts in the Flux OCI format or as plain tarball images. It is
// used by the tests of internal/oci and of the OCIRepository reconciler; it is never linked
// into the controller binary.
package ocitest
