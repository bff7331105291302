package v1

import (
	"github.com/fluxcd/pkg/apis/meta"
)

// CrossNamespaceSourceReference points at the source whose artifact a Kustomization applies.
type CrossNamespaceSourceReference struct {
	// APIVersion of the source, e.g. 'source.toolkit.fluxcd.io/v1'.
	// +optional
	APIVersion string `json:"apiVersion,omitempty"`

	// Kind of the source.
	// +kubebuilder:validation:Enum=OCIRepository;GitRepository;Bucket;ExternalArtifact
	// +required
	Kind string `json:"kind"`

	// Name of the source.
	// +required
	Name string `json:"name"`

	// Namespace of the source. Defaults to the namespace of the Kustomization.
	// +optional
	Namespace string `json:"namespace,omitempty"`
}

// String returns "Kind/name", or "Kind/namespace/name" when the namespace is set.
func (in *CrossNamespaceSourceReference) String() string {
	if in.Namespace != "" {
		return in.Kind + "/" + in.Namespace + "/" + in.Name
	}
	return in.Kind + "/" + in.Name
}

// CommonMetadata holds labels and annotations added to every applied object.
type CommonMetadata struct {
	// Annotations to add to every object. They override annotations with the same key.
	// +optional
	Annotations map[string]string `json:"annotations,omitempty"`

	// Labels to add to every object. They override labels with the same key.
	// +optional
	Labels map[string]string `json:"labels,omitempty"`
}

// Decryption configures decryption of encrypted manifests before they are applied.
type Decryption struct {
	// Provider is the decryption engine. Only 'sops' is supported.
	// +kubebuilder:validation:Enum=sops
	// +required
	Provider string `json:"provider"`

	// ServiceAccountName is a ServiceAccount in the same namespace whose workload identity is
	// used to reach cloud KMS services. Static credentials in SecretRef take priority.
	// +optional
	ServiceAccountName string `json:"serviceAccountName,omitempty"`

	// SecretRef names a Secret in the same namespace with the decryption keys (age, OpenPGP)
	// or KMS and Vault credentials. They take priority over ServiceAccountName.
	// +optional
	SecretRef *meta.LocalObjectReference `json:"secretRef,omitempty"`
}

// Values of spec.postBuild.substituteStrategy.
const (
	// SubstituteStrategyWithVariables runs the substitution only if at least one variable is
	// defined, inline or in a referenced object (the default).
	SubstituteStrategyWithVariables = "WithVariables"
	// SubstituteStrategyAlways runs the substitution even without variables, so that defaults
	// such as ${var:=default} are applied.
	SubstituteStrategyAlways = "Always"
)

// PostBuild describes what to do with the manifests after kustomize build.
type PostBuild struct {
	// Substitute maps variable names to values. Occurrences of ${name} in the manifests are
	// replaced with the value; bash-style forms such as ${var:=default}, ${var:position} and
	// ${var/substring/replacement} are supported.
	// +optional
	Substitute map[string]string `json:"substitute,omitempty"`

	// SubstituteFrom lists ConfigMaps and Secrets in the same namespace whose data keys are
	// further variables. Later entries override earlier ones; Substitute overrides them all.
	// +optional
	SubstituteFrom []SubstituteReference `json:"substituteFrom,omitempty"`

	// SubstituteStrategy selects when to substitute: 'WithVariables' (the default) only if at
	// least one variable is defined, 'Always' even without variables.
	// +kubebuilder:validation:Enum=WithVariables;Always
	// +optional
	SubstituteStrategy string `json:"substituteStrategy,omitempty"`
}

// GetSubstituteStrategy returns spec.postBuild.substituteStrategy, defaulting to
// SubstituteStrategyWithVariables.
func (in *PostBuild) GetSubstituteStrategy() string {
	if in == nil || in.SubstituteStrategy == "" {
		return SubstituteStrategyWithVariables
	}
	return in.SubstituteStrategy
}

// SubstituteReference names a ConfigMap or Secret holding substitution variables.
type SubstituteReference struct {
	// Kind of the object: 'ConfigMap' or 'Secret'.
	// +kubebuilder:validation:Enum=Secret;ConfigMap
	// +required
	Kind string `json:"kind"`

	// Name of the object, in the namespace of the Kustomization.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +required
	Name string `json:"name"`

	// Optional tolerates a missing object: the reconciliation continues as if it existed and
	// defined no variables. Other errors still fail the reconciliation.
	// +kubebuilder:default:=false
	// +optional
	Optional bool `json:"optional,omitempty"`
}

// IgnoreRule excludes fields of applied objects from drift detection and from apply, so that
// values changed by other controllers (e.g. an autoscaler setting spec.replicas) are left alone.
type IgnoreRule struct {
	// Paths are JSON Pointers (RFC 6901) to the ignored fields, e.g. '/spec/replicas'.
	// +required
	Paths []string `json:"paths"`

	// Target selects the objects the rule applies to. When unset the rule applies to every
	// object of the Kustomization.
	// +optional
	Target *Selector `json:"target,omitempty"`
}

// Values of spec.driftDetection.mode. Eddy extension.
const (
	// DriftDetectionEnabled corrects drift: every reconciliation re-applies the desired state
	// and overwrites changes made in the cluster. This is Flux's behaviour and the default.
	DriftDetectionEnabled = "enabled"
	// DriftDetectionWarn detects drift with a server-side dry-run apply and reports it (event
	// and Ready message) without changing the cluster. Objects are applied only when the
	// source revision or the Kustomization spec changes.
	DriftDetectionWarn = "warn"
	// DriftDetectionDisabled neither detects nor corrects drift: objects are applied only when
	// the source revision or the Kustomization spec changes.
	DriftDetectionDisabled = "disabled"
)

// DriftDetection configures what the controller does when applied objects were changed in the
// cluster (drift). Eddy extension; Flux always corrects drift.
type DriftDetection struct {
	// Mode is 'enabled' (correct drift on every reconciliation, Flux's behaviour and the
	// default), 'warn' (report drift without correcting it) or 'disabled' (ignore drift; apply
	// only when the source revision or the spec changes).
	// +kubebuilder:validation:Enum=enabled;warn;disabled
	// +optional
	Mode string `json:"mode,omitempty"`
}
