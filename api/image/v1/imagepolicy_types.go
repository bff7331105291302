package v1

import (
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ImagePolicyKind is the kind of ImagePolicy objects.
const ImagePolicyKind = "ImagePolicy"

// DefaultDigestReflectionInterval is how often the digest of the latest image is refreshed when
// spec.digestReflectionPolicy is Always and spec.interval is not set.
const DefaultDigestReflectionInterval = 10 * time.Minute

// ImagePolicySpec says which ImageRepository to read tags from and how to pick the latest one.
// +kubebuilder:validation:XValidation:rule="!has(self.interval) || (has(self.digestReflectionPolicy) && self.digestReflectionPolicy == 'Always')",message="spec.interval is only accepted when spec.digestReflectionPolicy is set to 'Always'"
// +kubebuilder:validation:XValidation:rule="has(self.interval) || !has(self.digestReflectionPolicy) || self.digestReflectionPolicy != 'Always'",message="spec.interval must be set when spec.digestReflectionPolicy is set to 'Always'"
type ImagePolicySpec struct {
	// ImageRepositoryRef names the ImageRepository whose tags are considered. A namespace other
	// than the policy's own is allowed only if the ImageRepository's accessFrom admits it.
	// +required
	ImageRepositoryRef meta.NamespacedObjectReference `json:"imageRepositoryRef"`

	// Policy is the rule that orders the tags; the first tag in that order is the latest image.
	// +required
	Policy ImagePolicyChoice `json:"policy"`

	// FilterTags restricts the tags considered, and optionally the part of each tag that the
	// policy compares. Without it, every tag of the repository is considered as a whole.
	// +optional
	FilterTags *TagFilter `json:"filterTags,omitempty"`

	// DigestReflectionPolicy controls `.status.latestRef.digest`:
	//
	// Never: the digest is left empty.
	//
	// IfNotPresent: the digest of the chosen image is looked up once, when the field is empty
	// and the chosen image has not changed, and kept afterwards.
	//
	// Always: the digest of the chosen image is looked up at every reconciliation, so a tag
	// that is pushed again is noticed. Requires spec.interval.
	//
	// Defaults to Never.
	// +kubebuilder:default:=Never
	// +optional
	DigestReflectionPolicy ReflectionPolicy `json:"digestReflectionPolicy,omitempty"`

	// Interval is the time between two digest lookups of the latest image. It is accepted, and
	// required, only when spec.digestReflectionPolicy is Always.
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern="^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$"
	// +optional
	Interval *metav1.Duration `json:"interval,omitempty"`

	// Suspend stops future reconciliations of the policy; one that is already running is not
	// interrupted. Defaults to false.
	// +optional
	Suspend bool `json:"suspend,omitempty"`
}

// ReflectionPolicy says if and when a value is copied from the registry into the status.
// +kubebuilder:validation:Enum=Always;IfNotPresent;Never
type ReflectionPolicy string

const (
	// ReflectAlways copies the registry's current value at every reconciliation, overwriting
	// the one in the status.
	ReflectAlways ReflectionPolicy = "Always"
	// ReflectIfNotPresent copies the value only while the status field is empty, and never
	// overwrites it afterwards.
	ReflectIfNotPresent ReflectionPolicy = "IfNotPresent"
	// ReflectNever never copies the value.
	ReflectNever ReflectionPolicy = "Never"
)

// ImagePolicyChoice is a union: exactly one of its fields must be set.
// +kubebuilder:validation:XValidation:rule="(has(self.semver) ? 1 : 0) + (has(self.alphabetical) ? 1 : 0) + (has(self.numerical) ? 1 : 0) == 1",message="exactly one of spec.policy.semver, spec.policy.alphabetical or spec.policy.numerical must be set"
type ImagePolicyChoice struct {
	// SemVer picks the highest tag that is a semantic version within a range.
	// +optional
	SemVer *SemVerPolicy `json:"semver,omitempty"`

	// Alphabetical orders the tags as strings.
	// +optional
	Alphabetical *AlphabeticalPolicy `json:"alphabetical,omitempty"`

	// Numerical orders the tags as numbers.
	// +optional
	Numerical *NumericalPolicy `json:"numerical,omitempty"`
}

// SemVerPolicy picks the highest semantic version within a range.
type SemVerPolicy struct {
	// Range is a semver constraint, e.g. `>=1.0.0 <2.0.0` or `1.x`; the highest tag that satisfies
	// it is the latest image.
	// +required
	Range string `json:"range"`
}

// AlphabeticalPolicy orders tags lexically.
type AlphabeticalPolicy struct {
	// Order is the sort order: with the letters a to z as tags, `asc` picks z and `desc` picks a.
	// Defaults to `asc`.
	// +kubebuilder:default:="asc"
	// +kubebuilder:validation:Enum=asc;desc
	// +optional
	Order string `json:"order,omitempty"`
}

// NumericalPolicy orders tags as numbers.
type NumericalPolicy struct {
	// Order is the sort order: with the numbers 0 to 9 as tags, `asc` picks 9 and `desc` picks 0.
	// Defaults to `asc`.
	// +kubebuilder:default:="asc"
	// +kubebuilder:validation:Enum=asc;desc
	// +optional
	Order string `json:"order,omitempty"`
}

// Sort orders of AlphabeticalPolicy and NumericalPolicy.
const (
	// OrderAsc picks the greatest value.
	OrderAsc string = "asc"
	// OrderDesc picks the smallest value.
	OrderDesc string = "desc"
)

// TagFilter selects tags with a regular expression and can extract part of each tag.
type TagFilter struct {
	// Pattern is a regular expression (Go syntax); only tags that match it are considered.
	// +optional
	Pattern string `json:"pattern"`

	// Extract is a template of Pattern's capture groups, e.g. `$ts` or `$1`; the policy compares
	// the resulting value instead of the whole tag.
	// +optional
	Extract string `json:"extract"`
}

// ImagePolicyStatus is the observed state of an ImagePolicy.
type ImagePolicyStatus struct {
	// LatestRef is the image chosen by the policy: the first of the repository's tags after
	// filtering and ordering.
	// +optional
	LatestRef *ImageRef `json:"latestRef,omitempty"`

	// ObservedPreviousRef is the LatestRef seen before the current one, used to report changes.
	// +optional
	ObservedPreviousRef *ImageRef `json:"observedPreviousRef,omitempty"`

	// ObservedGeneration is the last generation of the spec the controller acted on.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// Conditions holds the kstatus conditions of the object (Ready, Reconciling, Stalled).
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	meta.ReconcileRequestStatus `json:",inline"`
}

// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:storageversion
// +kubebuilder:resource:shortName=imgpol;imagepol,categories=all;fluxcd;fluxcd-images
// +kubebuilder:metadata:annotations="kustomize.toolkit.fluxcd.io/substitute=disabled"
// +kubebuilder:printcolumn:name="Image",type=string,JSONPath=`.status.latestRef.name`
// +kubebuilder:printcolumn:name="Tag",type=string,JSONPath=`.status.latestRef.tag`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Status",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].message`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`

// ImagePolicy chooses the latest image from the tags an ImageRepository found, according to a
// semver, alphabetical or numerical rule.
type ImagePolicy struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the desired state of the ImagePolicy.
	Spec ImagePolicySpec `json:"spec,omitempty"`

	// Status is the observed state of the ImagePolicy.
	// +kubebuilder:default={"observedGeneration":-1}
	Status ImagePolicyStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// ImagePolicyList is a list of ImagePolicy objects.
type ImagePolicyList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	// Items are the ImagePolicy objects.
	Items []ImagePolicy `json:"items"`
}

// GetConditions returns the status conditions; it implements the conditions Getter interface.
func (in *ImagePolicy) GetConditions() []metav1.Condition {
	return in.Status.Conditions
}

// SetConditions replaces the status conditions; it implements the conditions Setter interface.
func (in *ImagePolicy) SetConditions(conditions []metav1.Condition) {
	in.Status.Conditions = conditions
}

// GetDigestReflectionPolicy returns spec.digestReflectionPolicy, or ReflectNever when it is empty.
func (in *ImagePolicy) GetDigestReflectionPolicy() ReflectionPolicy {
	if in.Spec.DigestReflectionPolicy != "" {
		return in.Spec.DigestReflectionPolicy
	}
	return ReflectNever
}

// GetInterval returns the digest refresh interval: spec.interval (or
// DefaultDigestReflectionInterval when unset or zero) if the digest reflection policy is Always,
// and zero otherwise, meaning the policy is only reconciled when its inputs change.
func (in *ImagePolicy) GetInterval() time.Duration {
	if in.GetDigestReflectionPolicy() != ReflectAlways {
		return 0
	}
	if in.Spec.Interval == nil || in.Spec.Interval.Duration == 0 {
		return DefaultDigestReflectionInterval
	}
	return in.Spec.Interval.Duration
}

// GetRequeueAfter returns how long to wait before reconciling again without an external trigger;
// it is the same as GetInterval, and zero means "do not requeue".
func (in *ImagePolicy) GetRequeueAfter() time.Duration {
	return in.GetInterval()
}
