package v1

// CrossNamespaceObjectReference selects one Flux object, or with name `*` all objects of a kind
// (optionally filtered by labels), in any namespace. Alerts use it to pick the event sources and
// Receivers to pick the objects to reconcile.
// +kubebuilder:validation:XValidation:rule="!has(self.matchLabels) || self.name == '*'",message="matchLabels can only be used when name is set to '*'"
type CrossNamespaceObjectReference struct {
	// APIVersion of the referent, e.g. `source.toolkit.fluxcd.io/v1`. When empty, the version
	// the controller knows for the kind is used.
	// +optional
	APIVersion string `json:"apiVersion,omitempty"`

	// Kind of the referent.
	// +kubebuilder:validation:Enum=Bucket;GitRepository;Kustomization;HelmRelease;HelmChart;HelmRepository;ImageRepository;ImagePolicy;ImageUpdateAutomation;OCIRepository;ArtifactGenerator;ExternalArtifact
	// +required
	Kind string `json:"kind"`

	// Name of the referent, or `*` for every object of the kind.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +required
	Name string `json:"name"`

	// Namespace of the referent; defaults to the namespace of the object holding the reference.
	// `*` selects all namespaces and then requires name `*` as well.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +optional
	Namespace string `json:"namespace,omitempty"`

	// MatchLabels filters the objects selected by name `*`: an object matches when it has all
	// these labels with these values. Requires name `*`.
	// +optional
	MatchLabels map[string]string `json:"matchLabels,omitempty"`
}

// IsWildcard reports whether the reference selects every object of its kind (name `*`).
func (in *CrossNamespaceObjectReference) IsWildcard() bool {
	return in.Name == "*"
}
