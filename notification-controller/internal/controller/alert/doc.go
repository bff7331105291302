// Package alert is the Alert (notification.toolkit.fluxcd.io/v1beta3) reconciler.
//
// A v1beta3 Alert has no status in Flux and flux treats it as a static object, so the reconciler
// manages the finalizer and checks the spec the API server cannot (the Provider exists, the
// inclusion and exclusion expressions compile, matchLabels is used with "*", no cross-namespace
// source under --no-cross-namespace-refs), reporting problems as Warning events. Matching and
// sending happen per event in package dispatch.
package alert
