// Package health decides whether applied objects reached their desired state: kstatus for every
// kind, CEL expressions (spec.healthCheckExprs, via fluxcd/pkg/runtime/cel) for custom kinds that
// do not follow kstatus, and Flux's Job reader (a Job is healthy once it completed).
//
// The reconciler (internal/controller/kustomization) depends only on the Checker interface. The
// implementation here polls the objects with the kstatus poller; a watch-driven checker (issue 7)
// can replace it behind the same interface without touching the reconciler.
package health
