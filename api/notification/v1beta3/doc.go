// Package v1beta3 holds the notification.toolkit.fluxcd.io/v1beta3 API types served by Eddy's
// notification-controller:
//
//   - Provider: where and how notifications are sent (Slack, a generic webhook, a Git commit
//     status, ...).
//   - Alert: which events from which objects are sent to a Provider.
//
// As in Flux, both are "static" objects without a status: the controller only manages their
// finalizer, and the flux CLI treats them as always ready. Receiver, the third kind of the group,
// is served at v1 (package notification/v1).
//
// +kubebuilder:object:generate=true
// +groupName=notification.toolkit.fluxcd.io
package v1beta3
