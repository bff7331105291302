package v1beta3

import (
	"github.com/fluxcd/pkg/apis/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	notificationv1 "github.com/eddy-gitops/eddy/api/notification/v1"
)

// AlertKind is the kind of Alert objects.
const AlertKind string = "Alert"

// AlertSpec says which events are forwarded to which Provider.
type AlertSpec struct {
	// ProviderRef names the Provider, in the same namespace, that receives the events.
	// +required
	ProviderRef meta.LocalObjectReference `json:"providerRef"`

	// EventSeverity filters events by severity: `info` passes every event, `error` passes only
	// error events. Defaults to `info`.
	// +kubebuilder:validation:Enum=info;error
	// +kubebuilder:default:=info
	// +optional
	EventSeverity string `json:"eventSeverity,omitempty"`

	// EventSources selects the objects whose events are forwarded, by kind, name (or `*`),
	// namespace and labels.
	// +required
	EventSources []notificationv1.CrossNamespaceObjectReference `json:"eventSources"`

	// InclusionList holds Go regular expressions; when set, only events whose message matches
	// at least one of them are forwarded.
	// +optional
	InclusionList []string `json:"inclusionList,omitempty"`

	// EventMetadata is extra metadata added to every forwarded event. A key that the emitting
	// controller already set keeps the controller's value.
	// +optional
	EventMetadata map[string]string `json:"eventMetadata,omitempty"`

	// ExclusionList holds Go regular expressions; events whose message matches any of them are
	// dropped.
	// +optional
	ExclusionList []string `json:"exclusionList,omitempty"`

	// Summary is a short description of the impact and the affected cluster, sent as the event
	// metadata key `summary`. Deprecated: use eventMetadata.
	// +kubebuilder:validation:MaxLength:=255
	// +optional
	Summary string `json:"summary,omitempty"`

	// Suspend stops forwarding events for this Alert until it is set back to false.
	// +optional
	Suspend bool `json:"suspend,omitempty"`
}

// +kubebuilder:object:root=true
// +kubebuilder:storageversion
// +kubebuilder:resource:categories=all;fluxcd;fluxcd-notifications
// +kubebuilder:metadata:annotations="kustomize.toolkit.fluxcd.io/substitute=disabled"
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`

// Alert forwards the events of selected Flux objects to a Provider. It has no status.
type Alert struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the desired state of the Alert.
	Spec AlertSpec `json:"spec,omitempty"`
}

// +kubebuilder:object:root=true

// AlertList is a list of Alert objects.
type AlertList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	// Items are the Alert objects.
	Items []Alert `json:"items"`
}

// GetEventSeverity returns spec.eventSeverity, or EventSeverityInfo when it is empty.
func (in *Alert) GetEventSeverity() string {
	if in.Spec.EventSeverity != "" {
		return in.Spec.EventSeverity
	}
	return EventSeverityInfo
}
