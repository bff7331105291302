// Package apply puts a built set of objects into a cluster with server-side apply
// (fluxcd/pkg/ssa), in Flux's order: CRDs, Namespaces and ClusterRoles first (waiting until CRDs
// are established), then *Class kinds, then --custom-apply-stage-kinds, then the rest.
//
// Before the first write, Validate checks the whole set: every object is dry-run applied and
// every existing object's owner labels are compared with the applying Kustomization, so that an
// invalid object or an object owned by another Kustomization stops the reconcile with nothing
// written. Prune and DeleteAll garbage-collect only objects that carry this Kustomization's owner
// labels and do not opt out (prune: disabled, reconcile: disabled).
//
// The reconciler (internal/controller/kustomization) builds one Manager per reconcile from the
// client of the target cluster (impersonated or remote); options come from the controller flags.
package apply
