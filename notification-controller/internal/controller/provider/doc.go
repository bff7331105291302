// Package provider is the Provider (notification.toolkit.fluxcd.io/v1beta3) reconciler.
//
// A v1beta3 Provider has no status in Flux, and flux treats it as a static object, so the
// reconciler only manages the finalizer and checks the Provider can work (type implemented,
// Secrets present and well-formed, address valid), reporting problems as Warning events. The
// sending itself happens in package dispatch, which resolves the Provider again per event.
package provider
