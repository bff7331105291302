package v1

import "github.com/fluxcd/pkg/apis/meta"

const (
	// KustomizationKind is the kind of Kustomization objects.
	KustomizationKind = "Kustomization"

	// KustomizationFinalizer is the finalizer kustomize-controller puts on every Kustomization
	// so that it can garbage-collect the applied objects (see spec.deletionPolicy) before the
	// Kustomization goes away. It is the finalizer shared by all Flux kinds.
	KustomizationFinalizer = "finalizers.fluxcd.io"

	// MaxConditionMessageLength is the longest condition message the controller writes;
	// longer messages (e.g. long apply errors) are truncated.
	MaxConditionMessageLength = 20000
)

// HealthyCondition reports the result of the last health assessment of the applied objects
// (spec.wait or spec.healthChecks). The Kustomization also carries the generic kstatus
// conditions meta.ReadyCondition, meta.ReconcilingCondition and meta.StalledCondition.
const HealthyCondition string = meta.HealthyCondition

// Reasons of the Ready, Healthy and Reconciling conditions of a Kustomization. They are the
// shared reasons of fluxcd/pkg/apis/meta, repeated here for convenience.
const (
	// ReconciliationSucceededReason: the manifests were built, applied and found healthy.
	ReconciliationSucceededReason string = meta.ReconciliationSucceededReason
	// ReconciliationFailedReason: applying the manifests failed.
	ReconciliationFailedReason string = meta.ReconciliationFailedReason
	// ArtifactFailedReason: the source or its artifact is missing, or the download failed.
	ArtifactFailedReason string = meta.ArtifactFailedReason
	// BuildFailedReason: kustomize build, decryption or variable substitution failed.
	BuildFailedReason string = meta.BuildFailedReason
	// HealthCheckFailedReason: the applied objects did not become healthy within the timeout.
	HealthCheckFailedReason string = meta.HealthCheckFailedReason
	// HealthCheckCanceledReason: the health check was cancelled, e.g. by a new revision.
	HealthCheckCanceledReason string = meta.HealthCheckCanceledReason
	// PruneFailedReason: garbage collection of removed objects failed.
	PruneFailedReason string = meta.PruneFailedReason
	// DependencyNotReadyReason: an object in spec.dependsOn is not ready yet.
	DependencyNotReadyReason string = meta.DependencyNotReadyReason
	// InvalidCELExpressionReason: an expression in spec.healthCheckExprs or a dependsOn
	// readyExpr does not compile.
	InvalidCELExpressionReason string = meta.InvalidCELExpressionReason
	// FeatureGateDisabledReason: the spec uses a feature whose gate is off.
	FeatureGateDisabledReason string = meta.FeatureGateDisabledReason
	// ProgressingReason: a reconciliation is in progress (Reconciling condition).
	ProgressingReason string = meta.ProgressingReason
	// ProgressingWithRetryReason: a reconciliation failed and will be retried (Reconciling
	// condition).
	ProgressingWithRetryReason string = meta.ProgressingWithRetryReason
	// AccessDeniedReason: the spec references an object the Kustomization may not access,
	// e.g. a source in another namespace when cross-namespace references are disabled.
	AccessDeniedReason string = "AccessDenied"
)

// DriftDetectedReason is the reason of the Warning event that reports drift when
// spec.driftDetection.mode is 'warn'. Eddy extension.
const DriftDetectedReason string = "DriftDetected"

// DriftedCondition is True while objects applied by a Kustomization with
// spec.driftDetection.mode 'warn' differ from the desired state in fields the controller owns.
// It is removed once they are applied again. Eddy extension.
const DriftedCondition string = "Drifted"

// Labels that kustomize-controller sets on every object it applies. `flux trace` and
// `flux check` follow them back to the Kustomization.
const (
	// NameLabel holds the name of the Kustomization that applied the object.
	NameLabel = GroupName + "/name"
	// NamespaceLabel holds the namespace of the Kustomization that applied the object.
	NamespaceLabel = GroupName + "/namespace"
)

// Annotations (on applied objects, in Git or in the cluster) that change how kustomize-controller
// treats an object, and their values. Controllers compare the values case-insensitively.
const (
	// ReconcileAnnotation set to DisabledValue stops the controller from applying or pruning
	// the object. It may also be set as a label.
	ReconcileAnnotation = GroupName + "/reconcile"

	// SSAAnnotation sets the server-side apply policy of the object: OverrideValue (the
	// default), MergeValue, IfNotPresentValue or IgnoreValue.
	SSAAnnotation = GroupName + "/ssa"

	// PruneAnnotation set to DisabledValue keeps the object when it is removed from the source
	// or the Kustomization is deleted.
	PruneAnnotation = GroupName + "/prune"

	// ForceAnnotation set to EnabledValue recreates the object when an immutable field changes,
	// even if spec.force is false.
	ForceAnnotation = GroupName + "/force"

	// SubstituteAnnotation set to DisabledValue skips post-build variable substitution for the
	// object.
	SubstituteAnnotation = GroupName + "/substitute"

	// DecryptAnnotation set to DisabledValue skips SOPS decryption for the object.
	DecryptAnnotation = GroupName + "/decrypt"
)

// Annotation values.
const (
	// EnabledValue turns a per-object behaviour on.
	EnabledValue = "enabled"
	// DisabledValue turns a per-object behaviour off.
	DisabledValue = "disabled"
	// OverrideValue: server-side apply overwrites changes made in the cluster (the default).
	OverrideValue = "Override"
	// MergeValue: server-side apply keeps fields that other managers added in the cluster.
	MergeValue = "Merge"
	// IfNotPresentValue: the object is only created, never updated.
	IfNotPresentValue = "IfNotPresent"
	// IgnoreValue: the object is neither applied nor pruned.
	IgnoreValue = "Ignore"
)

// Keys of the metadata that kustomize-controller attaches to its events.
const (
	// RevisionEventMetadataKey holds the applied source revision.
	RevisionEventMetadataKey = GroupName + "/revision"
	// OriginRevisionEventMetadataKey holds the origin revision of the source artifact.
	OriginRevisionEventMetadataKey = GroupName + "/originRevision"
	// CommitStatusEventMetadataKey is set to CommitStatusUpdateValue on the event that ends a
	// reconciliation; notification-controller then updates the Git commit status.
	CommitStatusEventMetadataKey = GroupName + "/commit_status"
	// CommitStatusUpdateValue is the value of CommitStatusEventMetadataKey.
	CommitStatusUpdateValue = "update"
)

const (
	// FieldManager is the server-side apply field manager of applied objects.
	FieldManager = "kustomize-controller"
	// StatusFieldManager is the field manager of the Kustomization status patches.
	StatusFieldManager = "gotk-kustomize-controller"
)

// Values of spec.deletionPolicy.
const (
	// DeletionPolicyMirrorPrune deletes the applied objects if spec.prune is true and orphans
	// them otherwise (the default).
	DeletionPolicyMirrorPrune = "MirrorPrune"
	// DeletionPolicyDelete deletes the applied objects.
	DeletionPolicyDelete = "Delete"
	// DeletionPolicyWaitForTermination deletes the applied objects and waits until they are
	// gone before the finalizer is removed.
	DeletionPolicyWaitForTermination = "WaitForTermination"
	// DeletionPolicyOrphan leaves the applied objects in the cluster.
	DeletionPolicyOrphan = "Orphan"
)
