// Package v1 holds the notification.toolkit.fluxcd.io/v1 API types served by Eddy's
// notification-controller: Receiver, which exposes a webhook at /hook/<digest> and, when a valid
// request arrives, asks the listed objects to reconcile now.
//
// Provider and Alert, the other kinds of the group, are served at v1beta3 (package
// notification/v1beta3), as in Flux. CrossNamespaceObjectReference is declared here and used by
// both versions.
//
// The types are wire-compatible with Flux's API, so Flux manifests, the flux CLI and
// `flux trigger receiver` work unchanged.
//
// +kubebuilder:object:generate=true
// +groupName=notification.toolkit.fluxcd.io
package v1
