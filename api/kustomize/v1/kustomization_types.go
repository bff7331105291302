package v1

import (
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Values of spec.buildMetadata.
const (
	// BuildMetadataOriginAnnotations makes kustomize annotate objects with their origin file.
	BuildMetadataOriginAnnotations = "originAnnotations"
	// BuildMetadataTransformerAnnotations makes kustomize annotate objects with the
	// transformers that changed them.
	BuildMetadataTransformerAnnotations = "transformerAnnotations"
)

// KustomizationSpec is the desired state of a Kustomization: which source and path to build,
// how to transform the result, and how to apply, check and garbage-collect it.
type KustomizationSpec struct {
	// SourceRef is the source (GitRepository, OCIRepository, Bucket or ExternalArtifact) whose
	// artifact holds the manifests.
	// +required
	SourceRef CrossNamespaceSourceReference `json:"sourceRef"`

	// Path in the artifact of the directory with the kustomization.yaml, or with plain YAML
	// files for which a kustomization.yaml is generated. Defaults to the artifact root.
	// +optional
	Path string `json:"path,omitempty"`

	// Interval between two reconciliations, e.g. '10m'. Each reconciliation re-applies the
	// manifests, which also corrects drift. The controller may add jitter.
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern="^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$"
	// +required
	Interval metav1.Duration `json:"interval"`

	// RetryInterval is the delay before retrying a failed reconciliation. Defaults to
	// Interval.
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern="^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$"
	// +optional
	RetryInterval *metav1.Duration `json:"retryInterval,omitempty"`

	// Timeout of the build, apply, health check and prune steps. Defaults to Interval minus
	// 30s; the effective timeout is never below 30s.
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern="^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$"
	// +optional
	Timeout *metav1.Duration `json:"timeout,omitempty"`

	// Prune enables garbage collection: objects removed from the source are deleted from the
	// cluster. Required.
	// +required
	Prune bool `json:"prune"`

	// DeletionPolicy selects what happens to the applied objects when the Kustomization is
	// deleted: 'MirrorPrune' (delete them if Prune is true, orphan them otherwise), 'Delete',
	// 'WaitForTermination' (delete them and wait until they are gone) or 'Orphan'. Defaults to
	// 'MirrorPrune'.
	// +kubebuilder:validation:Enum=MirrorPrune;Delete;WaitForTermination;Orphan
	// +optional
	DeletionPolicy string `json:"deletionPolicy,omitempty"`

	// DependsOn lists Kustomizations that must be ready before this one is reconciled. A
	// dependency may set readyExpr, a CEL expression that replaces the built-in readiness
	// check.
	// +optional
	DependsOn []meta.DependencyReference `json:"dependsOn,omitempty"`

	// HealthChecks lists objects whose health (kstatus) is assessed after apply. Ignored when
	// Wait is true.
	// +optional
	HealthChecks []meta.NamespacedObjectKindReference `json:"healthChecks,omitempty"`

	// HealthCheckExprs defines CEL expressions that compute the health of custom resources
	// that do not follow the kstatus conventions. They are used only when Wait is true or
	// HealthChecks is set.
	// +optional
	HealthCheckExprs []CustomHealthCheck `json:"healthCheckExprs,omitempty"`

	// Wait makes the controller assess the health of every applied object, instead of only
	// those in HealthChecks. Defaults to false.
	// +optional
	Wait bool `json:"wait,omitempty"`

	// Force recreates objects whose update fails because an immutable field changed.
	// Defaults to false.
	// +kubebuilder:default:=false
	// +optional
	Force bool `json:"force,omitempty"`

	// TargetNamespace sets or overrides the namespace of all namespaced objects, like the
	// namespace field of a kustomization.yaml. The namespace must already exist.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=63
	// +kubebuilder:validation:Optional
	// +optional
	TargetNamespace string `json:"targetNamespace,omitempty"`

	// NamePrefix is prepended to the names of all objects.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=200
	// +kubebuilder:validation:Optional
	// +optional
	NamePrefix string `json:"namePrefix,omitempty"`

	// NameSuffix is appended to the names of all objects.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=200
	// +kubebuilder:validation:Optional
	// +optional
	NameSuffix string `json:"nameSuffix,omitempty"`

	// CommonMetadata holds labels and annotations added to all objects, overriding existing
	// ones with the same key.
	// +optional
	CommonMetadata *CommonMetadata `json:"commonMetadata,omitempty"`

	// Patches are inline strategic-merge or JSON6902 patches applied to the objects selected
	// by their target.
	// +optional
	Patches []Patch `json:"patches,omitempty"`

	// Images override image names, tags or digests, like the images field of a
	// kustomization.yaml.
	// +optional
	Images []Image `json:"images,omitempty"`

	// Components are paths, relative to Path, of kustomize Components to include.
	// +optional
	Components []string `json:"components,omitempty"`

	// IgnoreMissingComponents drops entries of Components that do not exist in the source
	// instead of failing the build.
	// +optional
	IgnoreMissingComponents bool `json:"ignoreMissingComponents,omitempty"`

	// BuildMetadata enables kustomize build metadata annotations: 'originAnnotations' and/or
	// 'transformerAnnotations'.
	// +kubebuilder:validation:items:Enum=originAnnotations;transformerAnnotations
	// +optional
	BuildMetadata []string `json:"buildMetadata,omitempty"`

	// PostBuild configures variable substitution in the built manifests.
	// +optional
	PostBuild *PostBuild `json:"postBuild,omitempty"`

	// Decryption configures decryption of SOPS-encrypted manifests before apply.
	// +optional
	Decryption *Decryption `json:"decryption,omitempty"`

	// ServiceAccountName is a ServiceAccount in the same namespace to impersonate when
	// applying, pruning and checking health. Defaults to the controller's
	// --default-service-account, or to the controller's own identity.
	// +optional
	ServiceAccountName string `json:"serviceAccountName,omitempty"`

	// KubeConfig makes the Kustomization apply to a remote cluster, using a kubeconfig from a
	// Secret or a cloud-provider workload identity configured in a ConfigMap. Combined with
	// ServiceAccountName, that ServiceAccount is impersonated in the remote cluster.
	// +optional
	KubeConfig *meta.KubeConfigReference `json:"kubeConfig,omitempty"`

	// Ignore lists fields of applied objects that are excluded from drift detection and from
	// apply, e.g. fields managed by another controller.
	// +optional
	Ignore []IgnoreRule `json:"ignore,omitempty"`

	// DriftDetection selects how changes made in the cluster to applied objects are handled.
	// Eddy extension, not part of Flux's API: when unset the controller corrects drift on
	// every reconciliation, exactly like Flux.
	// +optional
	DriftDetection *DriftDetection `json:"driftDetection,omitempty"`

	// Suspend stops the controller from reconciling this Kustomization. A reconciliation that
	// is already running is not interrupted.
	// +optional
	Suspend bool `json:"suspend,omitempty"`
}

// KustomizationStatus is the observed state of a Kustomization.
type KustomizationStatus struct {
	meta.ReconcileRequestStatus `json:",inline"`

	// ObservedGeneration is the metadata.generation last handled by the controller.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// Conditions describe the current state of the Kustomization (Ready, Reconciling,
	// Stalled, Healthy).
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// LastAppliedRevision is the revision of the source artifact that was last applied
	// successfully.
	// +optional
	LastAppliedRevision string `json:"lastAppliedRevision,omitempty"`

	// LastAppliedOriginRevision is the origin revision of the artifact that was last applied
	// successfully, taken from the artifact metadata (for OCI sources the
	// 'org.opencontainers.image.revision' annotation).
	// +optional
	LastAppliedOriginRevision string `json:"lastAppliedOriginRevision,omitempty"`

	// LastAttemptedRevision is the source revision of the last reconciliation attempt,
	// successful or not.
	// +optional
	LastAttemptedRevision string `json:"lastAttemptedRevision,omitempty"`

	// Inventory lists the objects applied by the last successful reconciliation.
	// +optional
	Inventory *ResourceInventory `json:"inventory,omitempty"`

	// History holds snapshots of the most recent reconciliations (newest first, at most 5),
	// with the digest of the applied manifests, timing and result.
	// +optional
	History meta.History `json:"history,omitempty"`
}

// +kubebuilder:object:root=true
// +kubebuilder:storageversion
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=ks,categories=all;fluxcd;fluxcd-appliers
// +kubebuilder:printcolumn:name="Age",type="date",JSONPath=".metadata.creationTimestamp",description=""
// +kubebuilder:printcolumn:name="Ready",type="string",JSONPath=".status.conditions[?(@.type==\"Ready\")].status",description=""
// +kubebuilder:printcolumn:name="Status",type="string",JSONPath=".status.conditions[?(@.type==\"Ready\")].message",description=""
// +kubebuilder:metadata:annotations="kustomize.toolkit.fluxcd.io/substitute=disabled"

// Kustomization builds the manifests at a path of a source artifact with kustomize and applies
// them to the cluster, keeping them in sync with the source.
type Kustomization struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the desired state of the Kustomization.
	Spec KustomizationSpec `json:"spec,omitempty"`

	// Status is the observed state of the Kustomization.
	// +kubebuilder:default={"observedGeneration":-1}
	Status KustomizationStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// KustomizationList is a list of Kustomization objects.
type KustomizationList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	// Items are the Kustomizations.
	Items []Kustomization `json:"items"`
}

// minTimeout is the lower bound of GetTimeout, and the margin subtracted from the interval
// when spec.timeout is not set.
const minTimeout = 30 * time.Second

// GetConditions returns status.conditions; with SetConditions it makes Kustomization usable
// with fluxcd/pkg/runtime/conditions.
func (in *Kustomization) GetConditions() []metav1.Condition {
	return in.Status.Conditions
}

// SetConditions replaces status.conditions.
func (in *Kustomization) SetConditions(conditions []metav1.Condition) {
	in.Status.Conditions = conditions
}

// GetRequeueAfter returns spec.interval, the time until the next reconciliation.
func (in *Kustomization) GetRequeueAfter() time.Duration {
	return in.Spec.Interval.Duration
}

// GetRetryInterval returns spec.retryInterval, the delay before retrying after a failure. It
// defaults to spec.interval.
func (in *Kustomization) GetRetryInterval() time.Duration {
	if in.Spec.RetryInterval != nil {
		return in.Spec.RetryInterval.Duration
	}
	return in.GetRequeueAfter()
}

// GetTimeout returns the timeout of a reconciliation, as Flux computes it: spec.timeout if set,
// otherwise spec.interval minus 30s; in both cases at least 30s.
func (in *Kustomization) GetTimeout() time.Duration {
	d := in.Spec.Interval.Duration - minTimeout
	if in.Spec.Timeout != nil {
		d = in.Spec.Timeout.Duration
	}
	if d < minTimeout {
		return minTimeout
	}
	return d
}

// GetDependsOn returns spec.dependsOn. It implements meta.ObjectWithDependencies, as used by
// fluxcd/pkg/runtime/dependency.
func (in *Kustomization) GetDependsOn() []meta.DependencyReference {
	return in.Spec.DependsOn
}

// GetDeletionPolicy returns spec.deletionPolicy, defaulting to DeletionPolicyMirrorPrune.
func (in *Kustomization) GetDeletionPolicy() string {
	if in.Spec.DeletionPolicy == "" {
		return DeletionPolicyMirrorPrune
	}
	return in.Spec.DeletionPolicy
}

// PruneOnDelete reports whether the applied objects must be deleted when the Kustomization is
// deleted, resolving DeletionPolicyMirrorPrune against spec.prune.
func (in *Kustomization) PruneOnDelete() bool {
	switch in.GetDeletionPolicy() {
	case DeletionPolicyDelete, DeletionPolicyWaitForTermination:
		return true
	case DeletionPolicyOrphan:
		return false
	default:
		return in.Spec.Prune
	}
}

// GetDriftDetectionMode returns spec.driftDetection.mode, defaulting to DriftDetectionEnabled
// (Flux's behaviour: drift is corrected). Eddy extension.
func (in *Kustomization) GetDriftDetectionMode() string {
	if in.Spec.DriftDetection == nil || in.Spec.DriftDetection.Mode == "" {
		return DriftDetectionEnabled
	}
	return in.Spec.DriftDetection.Mode
}

// GetSourceNamespace returns spec.sourceRef.namespace, defaulting to the Kustomization's own
// namespace.
func (in *Kustomization) GetSourceNamespace() string {
	if in.Spec.SourceRef.Namespace != "" {
		return in.Spec.SourceRef.Namespace
	}
	return in.Namespace
}

// IsSuspended reports whether spec.suspend is set.
func (in *Kustomization) IsSuspended() bool {
	return in.Spec.Suspend
}
