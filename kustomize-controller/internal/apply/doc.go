// Package apply puts a built set of objects into a cluster with server-side apply
// (fluxcd/pkg/ssa), in Flux's order: CRDs, Namespaces and ClusterRoles first (waiting until CRDs
// are established), then *Class kinds, then --custom-apply-stage-kinds, then the rest.
//
// Before the first write, Validate checks the objects about to be written, so that an invalid
// object or an object owned by another Kustomization stops the reconcile with nothing written:
//   - new objects of schema-only kinds are validated locally (local.go, internal/schema); the
//     server dry-run confirms every local rejection, so a stale schema cannot refuse a valid
//     object;
//   - custom resources whose CRD is in the set are checked against that CRD, not dry-run
//     against the CRD the cluster has now (ApplyAllStaged dry-runs them after the CRD);
//   - every other object is dry-run applied;
//   - every existing object's owner labels are compared with the applying Kustomization.
//
// With a Lookup (the controller's metadata informers) the owner labels come from the cache
// instead of a GET per object.
//
// Apply sends an object that was validated locally and does not exist, or that the validation
// dry-run showed to be plain (nothing for the staged apply's metadata cleanup to do, no
// per-object apply policy, last stage), with a single apply request (direct.go). So is an
// object of a set validated by an earlier reconcile (a drift correction) that the Lookup shows
// as ours and plain; should that apply fail, the staged apply takes the object over. The same
// holds for a revision whose only change is one such object (ValidatedByApply): its apply
// validates it, and the caller runs Validate only if the server refuses it. Every
// other object goes through ssa's staged apply (GET, dry-run, cleanup, apply, force-recreate). Prune and DeleteAll
// garbage-collect only objects that carry this Kustomization's owner labels and do not opt out
// (prune: disabled, reconcile: disabled).
//
// The reconciler (internal/controller/kustomization) builds one Manager per reconcile from the
// client of the target cluster (impersonated or remote); options come from the controller flags.
package apply
