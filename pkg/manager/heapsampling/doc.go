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
// The package has no other effect. It imports only os, runtime and strings, so that its init
// runs before the client and API packages allocate: Go initialises, at each step, the first
// package by import path whose imports are initialised, and github.com/eddy-gitops sorts before
// golang.org, google.golang.org, k8s.io and sigs.k8s.io (GODEBUG=inittrace=1 shows it after 87 KB
// of the 5.3 MB that kustomize-controller's package initialisation allocates). pkg/manager
// imports it for every binary and turns sampling back on with --heap-profile-rate.
package heapsampling
