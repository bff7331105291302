package v1

import (
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ImageUpdateAutomationKind is the kind of ImageUpdateAutomation objects.
const ImageUpdateAutomationKind = "ImageUpdateAutomation"

// ImageUpdateAutomationSpec says which Git repository to update, with which policies and how.
type ImageUpdateAutomationSpec struct {
	// SourceRef is the GitRepository to update. The controller clones it itself, using the
	// GitRepository's URL and credentials.
	// +required
	SourceRef CrossNamespaceSourceReference `json:"sourceRef"`

	// GitSpec holds the checkout, commit and push settings. It is optional in the schema but
	// needed in practice, since Git is the only kind of source.
	// +optional
	GitSpec *GitSpec `json:"git,omitempty"`

	// Interval is the minimum time between two runs of the automation, e.g. `30m`.
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern="^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$"
	// +required
	Interval metav1.Duration `json:"interval"`

	// PolicySelector selects, by label, the ImagePolicies of this namespace whose results are
	// applied. Defaults to all ImagePolicies in the namespace.
	// +optional
	PolicySelector *metav1.LabelSelector `json:"policySelector,omitempty"`

	// Update says how files are updated. Defaults to the Setters strategy over the whole
	// repository.
	// +kubebuilder:default={"strategy":"Setters"}
	// +optional
	Update *UpdateStrategy `json:"update,omitempty"`

	// Suspend stops future runs of the automation until it is set back to false.
	// Defaults to false.
	// +optional
	Suspend bool `json:"suspend,omitempty"`
}

// UpdateStrategyName names an update strategy.
// +kubebuilder:validation:Enum=Setters
type UpdateStrategyName string

const (
	// UpdateStrategySetters rewrites the YAML fields marked with `$imagepolicy` setter comments.
	UpdateStrategySetters UpdateStrategyName = "Setters"
)

// UpdateStrategy says how files are updated.
type UpdateStrategy struct {
	// Strategy is the update strategy; only Setters exists. Defaults to Setters.
	// +kubebuilder:default=Setters
	// +optional
	Strategy UpdateStrategyName `json:"strategy,omitempty"`

	// Path is the directory, relative to the repository root, in which files are updated.
	// Defaults to the repository root.
	// +optional
	Path string `json:"path,omitempty"`
}

// ObservedPolicies maps the names of the ImagePolicies that were applied to their latest image.
type ObservedPolicies map[string]ImageRef

// ImageUpdateAutomationStatus is the observed state of an ImageUpdateAutomation.
type ImageUpdateAutomationStatus struct {
	// LastAutomationRunTime is when the automation last ran to completion, whether or not it
	// changed anything.
	// +optional
	LastAutomationRunTime *metav1.Time `json:"lastAutomationRunTime,omitempty"`

	// LastPushCommit is the SHA of the last commit the automation pushed.
	// +optional
	LastPushCommit string `json:"lastPushCommit,omitempty"`

	// LastPushTime is when the automation last pushed a commit.
	// +optional
	LastPushTime *metav1.Time `json:"lastPushTime,omitempty"`

	// ObservedGeneration is the last generation of the spec the controller acted on.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// Conditions holds the kstatus conditions of the object (Ready, Reconciling, Stalled).
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// ObservedPolicies are the ImagePolicies, and their latest images, that the last run applied.
	// +optional
	ObservedPolicies ObservedPolicies `json:"observedPolicies,omitempty"`

	// ObservedSourceRevision is the source revision the last run saw, used to tell whether the
	// repository changed since.
	// +optional
	ObservedSourceRevision string `json:"observedSourceRevision,omitempty"`

	meta.ReconcileRequestStatus `json:",inline"`
}

// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:storageversion
// +kubebuilder:resource:shortName=iua;imgupd;imgauto,categories=all;fluxcd;fluxcd-images
// +kubebuilder:metadata:annotations="kustomize.toolkit.fluxcd.io/substitute=disabled"
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Status",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].message`
// +kubebuilder:printcolumn:name="Last run",type=string,JSONPath=`.status.lastAutomationRunTime`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`

// ImageUpdateAutomation writes the latest images chosen by ImagePolicies into the files of a Git
// repository, commits and pushes.
type ImageUpdateAutomation struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the desired state of the ImageUpdateAutomation.
	Spec ImageUpdateAutomationSpec `json:"spec,omitempty"`

	// Status is the observed state of the ImageUpdateAutomation.
	// +kubebuilder:default={"observedGeneration":-1}
	Status ImageUpdateAutomationStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// ImageUpdateAutomationList is a list of ImageUpdateAutomation objects.
type ImageUpdateAutomationList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	// Items are the ImageUpdateAutomation objects.
	Items []ImageUpdateAutomation `json:"items"`
}

// GetConditions returns the status conditions; it implements the conditions Getter interface.
func (in *ImageUpdateAutomation) GetConditions() []metav1.Condition {
	return in.Status.Conditions
}

// SetConditions replaces the status conditions; it implements the conditions Setter interface.
func (in *ImageUpdateAutomation) SetConditions(conditions []metav1.Condition) {
	in.Status.Conditions = conditions
}

// GetRequeueAfter returns how long to wait before the next run: spec.interval.
func (in *ImageUpdateAutomation) GetRequeueAfter() time.Duration {
	return in.Spec.Interval.Duration
}

// GetUpdateStrategy returns spec.update with its defaults filled in: the Setters strategy and the
// repository root when unset.
func (in *ImageUpdateAutomation) GetUpdateStrategy() UpdateStrategy {
	s := UpdateStrategy{Strategy: UpdateStrategySetters}
	if in.Spec.Update != nil {
		s.Path = in.Spec.Update.Path
		if in.Spec.Update.Strategy != "" {
			s.Strategy = in.Spec.Update.Strategy
		}
	}
	return s
}
