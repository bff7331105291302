// Package heapsampling turns off the Go runtime's heap-profile sampling when a binary starts,
// unless the GODEBUG environment variable sets memprofilerate.
//
// The runtime samples one allocation per 512 KiB by default and keeps a record of every sampled
// call stack for the life of the process, in a hash table of 1.4 MB and the records themselves.
// For a controller that serves /debug/pprof/heap but is rarely profiled, that table and those
// records are a steady share of its idle memory (measured in docs/guides/operating.md: about
// 1 MiB of anonymous RSS for source-, notification- and image-automation-controller, 3.5 MiB for
// kustomize-controller, after the issue 7 benchmark's workloads).
//
// The package has no other effect; it imports nothing but the standard library, so that its
// init runs before the client and API packages allocate (Go initialises the packages that are
// ready in the order of their import paths, and those of the standard library and
// github.com/eddy-gitops come before golang.org, google.golang.org, k8s.io and sigs.k8s.io).
// pkg/manager imports it for every binary and turns sampling back on with --heap-profile-rate.
package heapsampling
