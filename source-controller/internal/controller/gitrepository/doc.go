// Package gitrepository is the GitRepository reconciler of source-controller. It fetches the
// repository with internal/git, copies included GitRepositories' artifacts in, verifies
// signatures, and stores the tree as a normalised tarball in the artifact storage
// (fluxcd/pkg/artifact, created by setup/storage.go and served by internal/server).
//
// Steps run in a fixed order (storage, include, source, verify, artifact); each owns its
// negative conditions (FetchFailed, IncludeUnavailable, BuildFailed, StorageOperationFailed,
// ArtifactOutdated) and pkg/reconcile derives Ready/Reconciling/Stalled once, in a defer. When the
// remote tip equals the stored revision and nothing that shapes the tarball changed, the source
// step costs one ref advertisement and no clone. A new revision is reported in one status write,
// the outcome, unless the reconcile has run for a second by the time it is fetched: then the
// progress (ArtifactOutdated, Reconciling) is written first (patchProgress). Success requeues at
// spec.interval, transient failures back off, URL/provider errors stall until the spec changes.
// The artifact in status is only replaced once a new one is fully stored. The stored artifact is
// re-hashed only when its file changed since this process last hashed it (artifact_check.go);
// otherwise a stat suffices.
package gitrepository
