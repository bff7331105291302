// Package oci is source-controller's OCI registry client, used by the OCIRepository reconciler
// (internal/controller/ocirepository). It knows nothing about Kubernetes objects beyond the
// Secrets it turns into credentials; the reconciler decides conditions and storage.
//
//   - url.go:      oci:// URLs to go-containerregistry repositories (ParseURL)
//   - ref.go:      which tag or digest to pull (Flux precedence digest > semver > tag, default
//     tag "latest"), the semver selection, and the revision format "<tag>@sha256:<hex>"
//   - auth.go:     credentials (dockerconfigjson pull secrets), TLS and proxy transport
//   - client.go:   resolving a reference to a manifest digest (one HEAD for the no-change
//     path) and pulling the manifest and the selected layer
//   - layer.go:    selecting a layer by media type and extracting it safely
//   - errors.go:   classifying registry failures (unauthorized, not found, ...) for conditions
//
// Pulls use go-containerregistry's remote package; tests run against its in-process registry.
package oci
