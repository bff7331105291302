package v1

import (
	"time"

	"github.com/fluxcd/pkg/apis/acl"
	"github.com/fluxcd/pkg/apis/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ImageRepositoryKind is the kind of ImageRepository objects.
const ImageRepositoryKind = "ImageRepository"

// DefaultExclusionList is the tag exclusion list used when spec.exclusionList is empty: it drops
// cosign signature tags (`*.sig`).
var DefaultExclusionList = []string{`^.*\.sig$`}

// Registry authentication providers accepted in ImageRepository spec.provider.
const (
	// GenericProvider authenticates with spec.secretRef or the ServiceAccount's pull secrets only.
	GenericProvider string = "generic"
	// AWSProvider obtains ECR credentials from the AWS workload identity.
	AWSProvider string = "aws"
	// AzureProvider obtains ACR credentials from the Azure workload identity.
	AzureProvider string = "azure"
	// GCPProvider obtains GCR/Artifact Registry credentials from the GCP workload identity.
	GCPProvider string = "gcp"
)

// ImageRepositorySpec says which image repository to scan, how often and with which credentials.
type ImageRepositorySpec struct {
	// Image is the image repository to scan, e.g. `ghcr.io/org/app` or `alpine`
	// (short names are expanded as Docker does).
	// +required
	Image string `json:"image"`

	// Interval is the time between two scans of the repository, e.g. `5m`.
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern="^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$"
	// +required
	Interval metav1.Duration `json:"interval"`

	// Timeout bounds one scan of the repository. Defaults to the interval.
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern="^([0-9]+(\\.[0-9]+)?(ms|s|m))+$"
	// +optional
	Timeout *metav1.Duration `json:"timeout,omitempty"`

	// SecretRef names a Secret in the same namespace with registry credentials, of type
	// `kubernetes.io/dockerconfigjson` (as made by `kubectl create secret docker-registry`).
	// +optional
	SecretRef *meta.LocalObjectReference `json:"secretRef,omitempty"`

	// ProxySecretRef names a Secret in the same namespace with the proxy to use for the registry:
	// key `address` (required), and optionally `username` and `password`.
	// +optional
	ProxySecretRef *meta.LocalObjectReference `json:"proxySecretRef,omitempty"`

	// ServiceAccountName is the name of a ServiceAccount in the same namespace whose image pull
	// secrets are used to authenticate with the registry.
	// +kubebuilder:validation:MaxLength=253
	// +optional
	ServiceAccountName string `json:"serviceAccountName,omitempty"`

	// CertSecretRef names a Secret in the same namespace, of type `Opaque` or `kubernetes.io/tls`,
	// with TLS material for the registry connection: a PEM CA certificate in `ca.crt` (for a
	// registry with a private CA) and/or a PEM client certificate and key in `tls.crt` and
	// `tls.key` (for mutual TLS). The old keys `caFile`, `certFile` and `keyFile` are deprecated.
	// +optional
	CertSecretRef *meta.LocalObjectReference `json:"certSecretRef,omitempty"`

	// Suspend stops future scans; a scan that is already running is not interrupted.
	// Defaults to false.
	// +optional
	Suspend bool `json:"suspend,omitempty"`

	// AccessFrom lists the namespaces, by label selector, whose ImagePolicies may refer to this
	// ImageRepository across namespaces.
	// +optional
	AccessFrom *acl.AccessFrom `json:"accessFrom,omitempty"`

	// ExclusionList holds regular expressions; tags matching any of them are not recorded.
	// Defaults to excluding cosign signature tags (`^.*\.sig$`).
	// +kubebuilder:default:={"^.*\\.sig$"}
	// +kubebuilder:validation:MaxItems:=25
	// +optional
	ExclusionList []string `json:"exclusionList,omitempty"`

	// Provider selects how registry credentials are obtained: `generic` (from secretRef or the
	// ServiceAccount), or the workload identity of `aws`, `azure` or `gcp`. Defaults to `generic`.
	// +kubebuilder:validation:Enum=generic;aws;azure;gcp
	// +kubebuilder:default:=generic
	// +optional
	Provider string `json:"provider,omitempty"`

	// Insecure allows talking to the registry over plain HTTP.
	// +optional
	Insecure bool `json:"insecure,omitempty"`
}

// ScanResult summarises the last successful scan of an image repository.
type ScanResult struct {
	// Revision is a stable hash of the list of tags found; it changes only when the list does.
	// +optional
	Revision string `json:"revision"`

	// TagCount is the number of tags found (after exclusions).
	// +required
	TagCount int `json:"tagCount"`

	// ScanTime is when the scan finished.
	// +optional
	ScanTime metav1.Time `json:"scanTime"`

	// LatestTags is a sample of the tags found: the first ten in descending alphabetical order.
	// +optional
	LatestTags []string `json:"latestTags,omitempty"`
}

// ImageRepositoryStatus is the observed state of an ImageRepository.
type ImageRepositoryStatus struct {
	// Conditions holds the kstatus conditions of the object (Ready, Reconciling, Stalled).
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// ObservedGeneration is the last generation of the spec the controller acted on.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// CanonicalImageName is spec.image with the implied parts spelled out, e.g.
	// `docker.io/library/alpine` for `alpine`.
	// +optional
	CanonicalImageName string `json:"canonicalImageName,omitempty"`

	// LastScanResult describes the last successful scan.
	// +optional
	LastScanResult *ScanResult `json:"lastScanResult,omitempty"`

	// ObservedExclusionList is the exclusion list that was applied to produce LastScanResult.
	// +optional
	ObservedExclusionList []string `json:"observedExclusionList,omitempty"`

	meta.ReconcileRequestStatus `json:",inline"`
}

// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:storageversion
// +kubebuilder:resource:shortName=imgrepo;imagerepo,categories=all;fluxcd;fluxcd-images
// +kubebuilder:metadata:annotations="kustomize.toolkit.fluxcd.io/substitute=disabled"
// +kubebuilder:printcolumn:name="Image",type=string,JSONPath=`.spec.image`
// +kubebuilder:printcolumn:name="Tags",type=string,JSONPath=`.status.lastScanResult.tagCount`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Status",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].message`
// +kubebuilder:printcolumn:name="Last scan",type=string,JSONPath=`.status.lastScanResult.scanTime`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`

// ImageRepository scans a container image repository at an interval and records the tags it finds,
// for ImagePolicies to choose from.
type ImageRepository struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the desired state of the ImageRepository.
	Spec ImageRepositorySpec `json:"spec,omitempty"`

	// Status is the observed state of the ImageRepository.
	// +kubebuilder:default={"observedGeneration":-1}
	Status ImageRepositoryStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// ImageRepositoryList is a list of ImageRepository objects.
type ImageRepositoryList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	// Items are the ImageRepository objects.
	Items []ImageRepository `json:"items"`
}

// GetConditions returns the status conditions; it implements the conditions Getter interface.
func (in *ImageRepository) GetConditions() []metav1.Condition {
	return in.Status.Conditions
}

// SetConditions replaces the status conditions; it implements the conditions Setter interface.
func (in *ImageRepository) SetConditions(conditions []metav1.Condition) {
	in.Status.Conditions = conditions
}

// GetRequeueAfter returns how long to wait before the next scan: spec.interval.
func (in *ImageRepository) GetRequeueAfter() time.Duration {
	return in.Spec.Interval.Duration
}

// GetTimeout returns the timeout of one scan: spec.timeout, or spec.interval when unset, and never
// less than one second.
func (in *ImageRepository) GetTimeout() time.Duration {
	d := in.Spec.Interval.Duration
	if in.Spec.Timeout != nil {
		d = in.Spec.Timeout.Duration
	}
	if d < time.Second {
		return time.Second
	}
	return d
}

// GetExclusionList returns spec.exclusionList, or DefaultExclusionList when it is empty.
func (in *ImageRepository) GetExclusionList() []string {
	if len(in.Spec.ExclusionList) > 0 {
		return in.Spec.ExclusionList
	}
	return append([]string(nil), DefaultExclusionList...)
}

// GetProvider returns spec.provider, or GenericProvider when it is empty.
func (in *ImageRepository) GetProvider() string {
	if in.Spec.Provider != "" {
		return in.Spec.Provider
	}
	return GenericProvider
}
