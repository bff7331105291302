package v1

import "github.com/fluxcd/pkg/apis/meta"

// SourceFinalizer is the finalizer source-controller puts on every source object so that it can
// garbage-collect the stored artifacts before the object goes away. It is the finalizer shared by
// all Flux kinds.
const SourceFinalizer = "finalizers.fluxcd.io"

// Condition types set by source-controller in addition to the generic kstatus types
// (meta.ReadyCondition, meta.ReconcilingCondition, meta.StalledCondition).
//
// Types documented as "abnormal-true" have negative polarity: they are only present on an object
// while their status is True and are removed once the problem is gone.
const (
	// ArtifactInStorageCondition reports whether the artifact in status.artifact exists in the
	// controller's storage. It is present (True) once an artifact has been stored.
	ArtifactInStorageCondition string = "ArtifactInStorage"

	// ArtifactOutdatedCondition reports that the stored artifact no longer matches the desired
	// state, e.g. because the spec or the upstream revision changed (reason NewRevision).
	// Abnormal-true.
	ArtifactOutdatedCondition string = "ArtifactOutdated"

	// SourceVerifiedCondition reports the outcome of signature verification of the upstream
	// content. It is only present when verification is configured in the spec.
	SourceVerifiedCondition string = "SourceVerified"

	// FetchFailedCondition reports that fetching from the upstream (Git server, OCI registry)
	// failed, so the current artifact may be stale. Abnormal-true.
	FetchFailedCondition string = "FetchFailed"

	// BuildFailedCondition reports that building the artifact from fetched content failed.
	// Abnormal-true.
	BuildFailedCondition string = "BuildFailed"

	// StorageOperationFailedCondition reports a failure of a filesystem operation in the
	// artifact storage. Abnormal-true.
	StorageOperationFailedCondition string = "StorageOperationFailed"

	// IncludeUnavailableCondition reports that a GitRepository listed in spec.include does
	// not exist or has no artifact yet. Abnormal-true.
	IncludeUnavailableCondition string = "IncludeUnavailable"
)

// Condition reasons used by source-controller. They are conveniences for the controllers and
// users; the API server does not validate them.
const (
	// GitOperationSucceedReason reports that a Git operation (clone, checkout, ...) succeeded.
	GitOperationSucceedReason string = "GitOperationSucceeded"

	// GitOperationFailedReason reports that a Git operation (clone, checkout, ...) failed.
	GitOperationFailedReason string = "GitOperationFailed"

	// URLInvalidReason reports that spec.url could not be parsed or is not supported.
	URLInvalidReason string = "URLInvalid"

	// AuthenticationFailedReason reports missing or wrong credentials, e.g. a Secret without
	// the expected keys or credentials rejected by the upstream.
	AuthenticationFailedReason string = "AuthenticationFailed"

	// VerificationError reports that signature verification of the upstream content failed.
	VerificationError string = "VerificationError"

	// DirCreationFailedReason reports that a directory could not be created.
	DirCreationFailedReason string = "DirectoryCreationFailed"

	// StatOperationFailedReason reports that a stat call on a path failed.
	StatOperationFailedReason string = "StatOperationFailed"

	// ReadOperationFailedReason reports that reading a file or object failed.
	ReadOperationFailedReason string = "ReadOperationFailed"

	// AcquireLockFailedReason reports that a lock in the artifact storage could not be taken.
	AcquireLockFailedReason string = "AcquireLockFailed"

	// InvalidPathReason reports an invalid path, e.g. one escaping the artifact root.
	InvalidPathReason string = meta.InvalidPathReason

	// ArchiveOperationFailedReason reports that creating the artifact tarball failed.
	ArchiveOperationFailedReason string = "ArchiveOperationFailed"

	// SymlinkUpdateFailedReason reports that the latest.tar.gz symlink could not be updated.
	SymlinkUpdateFailedReason string = "SymlinkUpdateFailed"

	// ArtifactUpToDateReason reports that the stored artifact already matches the upstream.
	ArtifactUpToDateReason string = "ArtifactUpToDate"

	// CacheOperationFailedReason reports that a cache operation failed.
	CacheOperationFailedReason string = "CacheOperationFailed"

	// PatchOperationFailedReason reports that patching the object in the API server failed.
	PatchOperationFailedReason string = "PatchOperationFailed"

	// InvalidSTSConfigurationReason reports an invalid security token service configuration.
	InvalidSTSConfigurationReason string = "InvalidSTSConfiguration"

	// InvalidProviderConfigurationReason reports that the configured authentication provider
	// cannot be used with the rest of the spec.
	InvalidProviderConfigurationReason string = "InvalidProviderConfiguration"

	// NewRevisionReason is the reason of ArtifactOutdatedCondition when the upstream has a
	// revision that differs from the stored artifact.
	NewRevisionReason string = "NewRevision"

	// OCIPullFailedReason reports that pulling an OCI artifact failed.
	OCIPullFailedReason string = "OCIArtifactPullFailed"

	// OCILayerOperationFailedReason reports that extracting or copying the selected OCI layer
	// failed.
	OCILayerOperationFailedReason string = "OCIArtifactLayerOperationFailed"
)

// Reasons that source-controller only uses in Kubernetes events, never in conditions.
const (
	// NewArtifactReason is the reason of the Normal event emitted when a new artifact is stored.
	NewArtifactReason string = "NewArtifact"

	// GarbageCollectionSucceededReason is the event reason after stale artifacts were removed.
	GarbageCollectionSucceededReason string = "GarbageCollectionSucceeded"

	// GarbageCollectionFailedReason is the event reason when stale artifacts could not be removed.
	GarbageCollectionFailedReason string = "GarbageCollectionFailed"

	// InvalidCommitSignatureReason is the event reason when a commit signature is not trusted.
	InvalidCommitSignatureReason string = "InvalidCommitSignature"

	// InvalidTagSignatureReason is the event reason when a tag signature is not trusted.
	InvalidTagSignatureReason string = "InvalidTagSignature"

	// EmptyGitRepositoryReason is the event reason when the remote repository has no commits.
	EmptyGitRepositoryReason string = "EmptyGitRepository"

	// IncludeChangeReason is the event reason when an included artifact changed.
	IncludeChangeReason string = "IncludeChange"
)
