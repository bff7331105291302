// Package api is the root of Eddy's API module: the CRD types of the four API groups that form
// the contract between the controllers. The types are wire-compatible with Flux v2 (same groups,
// versions, kinds, field names, conditions and reasons), so Flux manifests and clients work
// unchanged.
//
// The module depends only on k8s.io/apimachinery and github.com/fluxcd/pkg/apis, never on
// controller-runtime, so that anyone can import the types cheaply.
//
//   - source/v1               GitRepository, OCIRepository (source-controller)
//   - kustomize/v1            Kustomization (kustomize-controller)
//   - image/v1                ImageRepository, ImagePolicy, ImageUpdateAutomation (image-automation-controller)
//   - notification/v1beta3    Provider, Alert (notification-controller)
//   - notification/v1         Receiver (notification-controller)
package api
