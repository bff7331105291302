// Package watch keeps shared, metadata-only informers on the objects kustomize-controller
// applied, so that the reconciler knows without a request per object whether they are still as
// it left them.
//
// One informer per GroupVersionKind serves every Kustomization of the controller: it lists and
// watches only objects carrying the kustomize.toolkit.fluxcd.io/name label, as
// PartialObjectMetadata, and a transform replaces managedFields by two numbers before the object
// is stored (the size of the field set the controller's field manager owns, and of the sets of
// kubectl and the --override-manager managers), so the cache holds little more than names,
// labels, annotations and resourceVersions. The Set also answers internal/apply's Lookup: owner
// labels of existing objects without a GET.
//
// From the informer events the Set derives, per owning Kustomization:
//   - drift: an object was deleted, another writer took over fields the controller applied (the
//     API server moves ownership of a field to whoever changes its value, so our field set
//     shrinks), or kubectl/an override manager added fields that apply removes. Changes by other
//     managers to fields the controller does not own, and the controller's own applies, are not
//     drift;
//   - health: any change to an object that a Kustomization waits for.
//
// Either one marks the object and enqueues the owning Kustomization through the controllers that
// subscribed (Source), so drift is corrected and readiness observed without waiting for
// spec.interval and without polling. The reconciler (internal/controller/kustomization) takes the
// marks at the start of a reconcile and puts them back if the reconcile fails.
package watch
