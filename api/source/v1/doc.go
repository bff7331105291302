// Package v1 holds the source.toolkit.fluxcd.io/v1 API types served by source-controller:
// GitRepository and OCIRepository. Their status.artifact (URL, digest, revision) is the contract
// that kustomize-controller and image-automation-controller consume.
//
// +kubebuilder:object:generate=true
// +groupName=source.toolkit.fluxcd.io
package v1
