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
// Waiting never polls a whole namespace: the harness lists once and follows a watch
// (watchcount.go), so that it does not load the API server it measures, and checks only the
// object each event names, so that it does not take the cores from what it measures. Each workload that has
// one is compared with a floor (floor.go): the same requests sent by the harness alone.
// Workload 4 runs at 100 and 1,000 units by default (--units), the large size --large-runs
// times; it also reports the CPU time of every process the harness started, and has a second
// floor (floor_kustomizations.go): the same objects plus the writes no controller serving
// Flux's Kustomization API can skip (the user's create, the finalizer's write, one status
// write per Kustomization). Workload 5 splits
// each commit's latency at what a watch of the GitRepository shows (the reconcile request, then
// the artifact) and sets the source stage beside a Git floor: the harness's own shallow clone of
// the commit with go-git, one ref advertisement and one fetch (stages.go). Workload 7
// (workload_cost.go) runs only when named: it prices, in kube-apiserver CPU, each kind of request
// workload 4 sends beyond its floor.
//
// Files: main.go (flags, run order), env.go (environment, clients, /proc), metrics.go
// (apiserver_request_total, /proc readings), gitrepo.go (repositories and commits),
// workload_*.go (one file per workload), floor.go and floor_kustomizations.go (the floors), stages.go (workload 5's stages
// and Git floor), watchcount.go (waiting on a watch), stats.go and report.go (pure summaries and the Markdown section; unit-tested).
package main
