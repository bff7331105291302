// Package health decides whether applied objects reached their desired state: kstatus for every
// kind, CEL expressions (spec.healthCheckExprs, via fluxcd/pkg/runtime/cel) for custom kinds that
// do not follow kstatus, and Flux's Job reader (a Job is healthy once it completed).
//
// Snapshot reads each object once and returns its status without waiting; the reconciler
// (internal/controller/kustomization) calls it for the objects not yet known healthy and relies on
// the shared informers (internal/watch) to be re-queued when a checked object changes, so no
// worker waits for health. Check (a blocking poll until timeout) remains for callers that do want
// to wait.
package health
