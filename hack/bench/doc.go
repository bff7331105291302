// Command bench is Eddy's end-to-end benchmark harness (issue 7), run by `make bench`.
//
// It starts the local control plane with kube-controller-manager and the four controller
// binaries as separate processes through pkg/devenv (as they run in a cluster), serves Git
// repositories from an in-process fluxcd/pkg/gittestserver over smart HTTP, and drives the
// workloads of issue 7 through the API server as a user would: create GitRepositories and
// Kustomizations, push commits, annotate, call the Receiver webhook. It observes only from the
// outside: object state in the API server, the kube-apiserver's apiserver_request_total
// counters, the controllers' /proc entries (VmHWM, VmRSS, utime+stime) and kustomize-controller's
// artifact cache directory. It prints one table per workload with the targets and
// rewrites the "Issue 7 harness" section of docs/benchmarks.md (between marker comments).
//
// Files: main.go (flags, run order), env.go (environment, clients, metrics, /proc), gitrepo.go
// (repositories and commits), workloads*.go (one function per workload), stats.go and report.go
// (pure summaries and the Markdown section; unit-tested).
package main
