// Package v1 holds the image.toolkit.fluxcd.io/v1 API types served by Eddy's
// image-automation-controller, which does the work of Flux's image-reflector-controller and
// image-automation-controller:
//
//   - ImageRepository: scan a container image repository and record its tags.
//   - ImagePolicy: choose the latest image reference from an ImageRepository's tags.
//   - ImageUpdateAutomation: write the ImagePolicies' choices into a Git repository and push.
//
// The types are wire-compatible with Flux's image.toolkit.fluxcd.io/v1 API, so Flux manifests
// and the flux CLI work unchanged.
//
// +kubebuilder:object:generate=true
// +groupName=image.toolkit.fluxcd.io
package v1
