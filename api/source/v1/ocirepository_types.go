package v1

import (
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// OCIRepositoryPrefix is the scheme every OCIRepository spec.url starts with.
const OCIRepositoryPrefix = "oci://"

// Authentication providers accepted in OCIRepository spec.provider.
const (
	// GenericOCIProvider authenticates with static credentials (spec.secretRef, or the
	// imagePullSecrets of spec.serviceAccountName) against any OCI registry.
	GenericOCIProvider string = "generic"
	// AmazonOCIProvider authenticates to Amazon ECR with the workload's AWS identity.
	AmazonOCIProvider string = "aws"
	// AzureOCIProvider authenticates to Azure Container Registry with the workload's identity.
	AzureOCIProvider string = "azure"
	// GoogleOCIProvider authenticates to Google Artifact/Container Registry with the workload's
	// GCP identity.
	GoogleOCIProvider string = "gcp"
)

// Operations accepted in OCIRepository spec.layerSelector.operation.
const (
	// OCILayerExtract untars the selected layer into the artifact (the default).
	OCILayerExtract = "extract"
	// OCILayerCopy stores the compressed layer blob as the artifact without extracting it.
	OCILayerCopy = "copy"
)

// Signature verification providers accepted in OCIRepository spec.verify.provider.
const (
	// CosignVerificationProvider verifies Sigstore cosign signatures (the default).
	CosignVerificationProvider = "cosign"
	// NotationVerificationProvider verifies Notary Project (notation) signatures.
	NotationVerificationProvider = "notation"
)

// Media types of the Flux OCI artifact format, written by `flux push artifact`.
const (
	// OCIArtifactConfigMediaType is the media type of the config blob of a Flux artifact.
	OCIArtifactConfigMediaType = "application/vnd.cncf.flux.config.v1+json"
	// OCIArtifactContentMediaType is the media type of the tar+gzip layer holding the files.
	OCIArtifactContentMediaType = "application/vnd.cncf.flux.content.v1.tar+gzip"
)

// OCI manifest annotation keys that source-controller copies into status.artifact.metadata.
const (
	// OCISourceAnnotation holds the URL of the origin source, e.g. a Git repository.
	OCISourceAnnotation = "org.opencontainers.image.source"
	// OCIRevisionAnnotation holds the origin revision, e.g. '<branch>@sha1:<commit>'.
	OCIRevisionAnnotation = "org.opencontainers.image.revision"
	// OCICreatedAnnotation holds the creation time of the artifact (RFC 3339).
	OCICreatedAnnotation = "org.opencontainers.image.created"
)

// DefaultOCITag is the tag pulled when spec.ref is empty.
const DefaultOCITag = "latest"

// DefaultOCITimeout is the timeout of registry operations when spec.timeout is not set.
const DefaultOCITimeout = 60 * time.Second

// OCIRepositorySpec is the desired state of an OCIRepository: which artifact to pull from which
// registry, how to authenticate and verify it, and which layer to keep.
type OCIRepositorySpec struct {
	// URL of the OCI repository, without tag or digest, e.g. 'oci://ghcr.io/org/manifests'.
	// +kubebuilder:validation:Pattern="^oci://.*$"
	// +required
	URL string `json:"url"`

	// Reference selects the artifact to pull (digest, semver range or tag). Defaults to the
	// 'latest' tag.
	// +optional
	Reference *OCIRepositoryRef `json:"ref,omitempty"`

	// LayerSelector selects which layer of the artifact to use and how. Defaults to the first
	// layer, extracted.
	// +optional
	LayerSelector *OCILayerSelector `json:"layerSelector,omitempty"`

	// Provider selects how to authenticate to the registry: 'generic' (static credentials),
	// 'aws', 'azure' or 'gcp' (workload identity). Defaults to 'generic'.
	// +kubebuilder:validation:Enum=generic;aws;azure;gcp
	// +kubebuilder:default:=generic
	// +optional
	Provider string `json:"provider,omitempty"`

	// SecretRef names a Secret of type kubernetes.io/dockerconfigjson, in the same namespace,
	// with the registry credentials.
	// +optional
	SecretRef *meta.LocalObjectReference `json:"secretRef,omitempty"`

	// Verify configures signature verification of the artifact before it is used.
	// +optional
	Verify *OCIRepositoryVerification `json:"verify,omitempty"`

	// ServiceAccountName is a ServiceAccount in the same namespace whose imagePullSecrets (or,
	// for the cloud providers, workload identity) are used to authenticate.
	// +optional
	ServiceAccountName string `json:"serviceAccountName,omitempty"`

	// CertSecretRef names a Secret (type Opaque or kubernetes.io/tls) in the same namespace
	// with TLS material for the registry: 'ca.crt' to trust a private CA, and 'tls.crt' with
	// 'tls.key' for client certificate authentication.
	// +optional
	CertSecretRef *meta.LocalObjectReference `json:"certSecretRef,omitempty"`

	// ProxySecretRef names a Secret in the same namespace with the proxy to use for the
	// registry: 'address', and optionally 'username' and 'password'.
	// +optional
	ProxySecretRef *meta.LocalObjectReference `json:"proxySecretRef,omitempty"`

	// Interval between two checks of the registry for a new artifact, e.g. '5m'. The
	// controller may add jitter.
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern="^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$"
	// +required
	Interval metav1.Duration `json:"interval"`

	// Timeout of registry operations such as pulling. Defaults to 60s.
	// +kubebuilder:default="60s"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern="^([0-9]+(\\.[0-9]+)?(ms|s|m))+$"
	// +optional
	Timeout *metav1.Duration `json:"timeout,omitempty"`

	// Ignore holds exclusion patterns in .sourceignore (gitignore) format applied to the
	// extracted files. When set it replaces the default exclusions.
	// +optional
	Ignore *string `json:"ignore,omitempty"`

	// Insecure allows plain HTTP (non-TLS) connections to the registry.
	// +optional
	Insecure bool `json:"insecure,omitempty"`

	// Suspend stops the controller from reconciling this object. The last artifact stays
	// available.
	// +optional
	Suspend bool `json:"suspend,omitempty"`
}

// OCIRepositoryRef selects the artifact to pull. Digest wins over SemVer, which wins over Tag.
type OCIRepositoryRef struct {
	// Digest of the artifact to pull, in the form 'sha256:<hex>'. Takes precedence over SemVer
	// and Tag.
	// +optional
	Digest string `json:"digest,omitempty"`

	// SemVer is a semantic version range; the highest matching tag is pulled. Takes precedence
	// over Tag.
	// +optional
	SemVer string `json:"semver,omitempty"`

	// SemverFilter is a regular expression that tags must match before the SemVer range is
	// applied.
	// +optional
	SemverFilter string `json:"semverFilter,omitempty"`

	// Tag to pull. Defaults to 'latest'.
	// +optional
	Tag string `json:"tag,omitempty"`
}

// OCILayerSelector selects one layer of an OCI artifact and how to store it.
type OCILayerSelector struct {
	// MediaType of the layer to use; the first layer with this media type is selected. When
	// empty, the first layer is used.
	// +optional
	MediaType string `json:"mediaType,omitempty"`

	// Operation on the selected layer: 'extract' untars it into the artifact (the default),
	// 'copy' stores the compressed blob as it is.
	// +kubebuilder:validation:Enum=extract;copy
	// +optional
	Operation string `json:"operation,omitempty"`
}

// OCIRepositoryStatus is the observed state of an OCIRepository.
type OCIRepositoryStatus struct {
	// ObservedGeneration is the metadata.generation last handled by the controller.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// Conditions describe the current state of the OCIRepository (Ready, Reconciling,
	// Stalled, ArtifactInStorage, FetchFailed, SourceVerified, ...).
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// URL is the download address of the artifact produced by the last successful
	// reconciliation.
	// +optional
	URL string `json:"url,omitempty"`

	// Artifact is the output of the last successful reconciliation. Its revision is
	// '<tag>@sha256:<manifest digest>' (or 'sha256:<digest>' when pulled by digest) and its
	// metadata holds the OCI manifest annotations.
	// +optional
	Artifact *meta.Artifact `json:"artifact,omitempty"`

	// ObservedIgnore is the spec.ignore value used to build the current artifact.
	// +optional
	ObservedIgnore *string `json:"observedIgnore,omitempty"`

	// ObservedLayerSelector is the spec.layerSelector value used to build the current
	// artifact.
	// +optional
	ObservedLayerSelector *OCILayerSelector `json:"observedLayerSelector,omitempty"`

	meta.ReconcileRequestStatus `json:",inline"`
}

// +kubebuilder:object:root=true
// +kubebuilder:storageversion
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=ocirepo,categories=all;fluxcd;fluxcd-sources
// +kubebuilder:printcolumn:name="URL",type=string,JSONPath=`.spec.url`
// +kubebuilder:printcolumn:name="Ready",type="string",JSONPath=".status.conditions[?(@.type==\"Ready\")].status",description=""
// +kubebuilder:printcolumn:name="Status",type="string",JSONPath=".status.conditions[?(@.type==\"Ready\")].message",description=""
// +kubebuilder:printcolumn:name="Age",type="date",JSONPath=".metadata.creationTimestamp",description=""
// +kubebuilder:metadata:annotations="kustomize.toolkit.fluxcd.io/substitute=disabled"

// OCIRepository periodically pulls an artifact from an OCI registry and publishes the selected
// layer as a tarball artifact that other controllers can download.
type OCIRepository struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the desired state of the OCIRepository.
	Spec OCIRepositorySpec `json:"spec,omitempty"`

	// Status is the observed state of the OCIRepository.
	// +kubebuilder:default={"observedGeneration":-1}
	Status OCIRepositoryStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// OCIRepositoryList is a list of OCIRepository objects.
type OCIRepositoryList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	// Items are the OCIRepositories.
	Items []OCIRepository `json:"items"`
}

// GetConditions returns status.conditions; with SetConditions it makes OCIRepository usable
// with fluxcd/pkg/runtime/conditions.
func (in *OCIRepository) GetConditions() []metav1.Condition {
	return in.Status.Conditions
}

// SetConditions replaces status.conditions.
func (in *OCIRepository) SetConditions(conditions []metav1.Condition) {
	in.Status.Conditions = conditions
}

// GetRequeueAfter returns spec.interval, the time until the next reconciliation.
func (in *OCIRepository) GetRequeueAfter() time.Duration {
	return in.Spec.Interval.Duration
}

// GetTimeout returns spec.timeout, or DefaultOCITimeout (60s) when it is not set.
func (in *OCIRepository) GetTimeout() time.Duration {
	if in.Spec.Timeout == nil {
		return DefaultOCITimeout
	}
	return in.Spec.Timeout.Duration
}

// GetArtifact returns status.artifact, or nil when no artifact has been stored yet.
func (in *OCIRepository) GetArtifact() *meta.Artifact {
	return in.Status.Artifact
}

// GetProvider returns spec.provider, defaulting to GenericOCIProvider.
func (in *OCIRepository) GetProvider() string {
	if in.Spec.Provider == "" {
		return GenericOCIProvider
	}
	return in.Spec.Provider
}

// GetLayerMediaType returns spec.layerSelector.mediaType, or "" (meaning the first layer).
func (in *OCIRepository) GetLayerMediaType() string {
	if in.Spec.LayerSelector == nil {
		return ""
	}
	return in.Spec.LayerSelector.MediaType
}

// GetLayerOperation returns spec.layerSelector.operation, defaulting to OCILayerExtract.
func (in *OCIRepository) GetLayerOperation() string {
	if in.Spec.LayerSelector == nil || in.Spec.LayerSelector.Operation == "" {
		return OCILayerExtract
	}
	return in.Spec.LayerSelector.Operation
}

// IsSuspended reports whether spec.suspend is set.
func (in *OCIRepository) IsSuspended() bool {
	return in.Spec.Suspend
}
