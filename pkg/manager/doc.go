// Package manager builds the controller-runtime manager that each of Eddy's four controller
// binaries runs, from one set of flags shared by all of them.
//
// The flag names are Flux's (--events-addr, --concurrent, --watch-all-namespaces, --log-level,
// --enable-leader-election, ...), so Flux's Deployment manifests and habits carry over. Flags
// that only one controller has are bound by that controller's setup package, not here. The
// logger, leader election, rate limiter and event recorder come from github.com/fluxcd/pkg/runtime;
// this package only wires them together once. --kube-api-qps/--kube-api-burst keep Flux's names
// but are bound here (options.go says why: binary size).
//
// memory.go holds the memory defaults every binary gets (--idle-memory-release,
// --idle-release-executable, --memory-limit-percent, --heap-profile-rate and
// --mutex-profile-fraction; executable*.go releases the program's own resident code pages;
// the heapsampling package, imported here, turns heap-profile sampling off at start);
// docs/guides/operating.md explains them to operators. events.go builds the broadcaster behind
// Kubernetes Events: Warning and Normal events go through correlators of their own
// (--event-cache-size sizes the Warnings'). eventpost.go posts events to notification-controller
// (--events-addr) from a bounded queue, so that no reconcile waits for it. logfilter.go keeps
// client-go from logging a request the controller cancelled on purpose as an error.
package manager
