// Package ocirepository reconciles OCIRepository objects: it resolves spec.ref against an OCI
// registry, pulls the selected layer of the artifact and publishes it in the shared artifact
// storage (fluxcd/pkg/artifact/storage, served by internal/server), where kustomize-controller
// downloads it with pkg/artifact.
//
// Registry access (URLs, references, credentials, layers) lives in internal/oci; this package
// only decides conditions, storage and events. Steps, in order: reconcileStorage (garbage
// collection, is the stored artifact still there), reconcileSource (resolve the reference and,
// unless the stored artifact is already that revision with the same spec, pull and extract),
// reconcileArtifact (archive or copy into storage, update status, NewArtifact event).
//
// Conditions: ArtifactInStorage (positive), FetchFailed, StorageOperationFailed and
// ArtifactOutdated (negative), SourceVerified (False while spec.verify is set, because
// signature verification is not implemented), plus Ready/Reconciling/Stalled from
// pkg/reconcile. Success requeues at spec.interval; failures back off; spec errors stall.
package ocirepository
