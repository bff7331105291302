// Package v1 holds the kustomize.toolkit.fluxcd.io/v1 API served by kustomize-controller: the
// Kustomization kind, wire-compatible with Flux's Kustomization v1.
//
// A Kustomization references a source from the source.toolkit.fluxcd.io group (see
// ../../source/v1) through spec.sourceRef, downloads that source's status.artifact, builds the
// manifests at spec.path with kustomize, and applies them to the cluster with server-side apply.
// It records what it applied in status.inventory and status.lastAppliedRevision, which the flux
// CLI (tree, diff, trace) and the other controllers read. notification-controller (../../notification)
// forwards the events it emits; image-automation-controller (../../image/v1) changes the Git
// sources it applies from.
//
// Fields that are not part of Flux's API are marked "Eddy extension" in their documentation.
// They are optional, and leaving them unset gives Flux's behaviour.
//
// +kubebuilder:object:generate=true
// +groupName=kustomize.toolkit.fluxcd.io
package v1
