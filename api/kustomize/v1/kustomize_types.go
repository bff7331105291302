package v1

// This file holds the kustomize-specific building blocks of a Kustomization spec. They have the
// same wire format as the types in github.com/fluxcd/pkg/apis/kustomize, defined here so that the
// API module needs no extra dependency.

// Image overrides the name, tag or digest of a container image, like the images field of a
// kustomization.yaml.
type Image struct {
	// Name is the image name to match, without tag.
	// +required
	Name string `json:"name"`

	// NewName replaces the image name.
	// +optional
	NewName string `json:"newName,omitempty"`

	// NewTag replaces the image tag.
	// +optional
	NewTag string `json:"newTag,omitempty"`

	// Digest replaces the tag with a digest. When set, NewTag is ignored.
	// +optional
	Digest string `json:"digest,omitempty"`
}

// Selector selects Kubernetes objects. An object is selected when it matches every field that
// is set.
type Selector struct {
	// Group is the API group of the objects to select.
	// +optional
	Group string `json:"group,omitempty"`

	// Version is the API version of the objects to select.
	// +optional
	Version string `json:"version,omitempty"`

	// Kind of the objects to select.
	// +optional
	Kind string `json:"kind,omitempty"`

	// Namespace of the objects to select.
	// +optional
	Namespace string `json:"namespace,omitempty"`

	// Name of the objects to select. Kustomize treats it as a regular expression.
	// +optional
	Name string `json:"name,omitempty"`

	// AnnotationSelector is a label-selector expression (e.g. 'a=b,c!=d') matched against the
	// objects' annotations.
	// +optional
	AnnotationSelector string `json:"annotationSelector,omitempty"`

	// LabelSelector is a label-selector expression (e.g. 'app=web,tier in (a,b)') matched
	// against the objects' labels.
	// +optional
	LabelSelector string `json:"labelSelector,omitempty"`
}

// Patch is an inline strategic-merge or JSON6902 patch and the objects it applies to.
type Patch struct {
	// Patch is the inline patch document: a strategic-merge patch (a partial YAML object) or a
	// JSON6902 patch (a YAML or JSON list of operations).
	// +required
	Patch string `json:"patch"`

	// Target selects the objects to patch. For strategic-merge patches it defaults to the
	// object named in the patch.
	// +optional
	Target *Selector `json:"target,omitempty"`
}

// CustomHealthCheck defines how to compute the health of one kind of custom resource with CEL
// expressions, for kinds that do not follow the kstatus conventions.
type CustomHealthCheck struct {
	// APIVersion of the custom resources this check applies to, e.g. 'cert-manager.io/v1'.
	// +required
	APIVersion string `json:"apiVersion"`

	// Kind of the custom resources this check applies to, e.g. 'Certificate'.
	// +required
	Kind string `json:"kind"`

	HealthCheckExpressions `json:",inline"`
}

// HealthCheckExpressions are CEL expressions evaluated against a custom resource. They are
// evaluated in the order inProgress, failed, current; the first that is true decides the
// status. If none is true the resource is considered in progress.
type HealthCheckExpressions struct {
	// InProgress is a CEL expression that is true while the resource has not reached its
	// desired state yet.
	// +optional
	InProgress string `json:"inProgress,omitempty"`

	// Failed is a CEL expression that is true when the resource failed to reach its desired
	// state. Without it, a failing resource is only detected when the timeout expires.
	// +optional
	Failed string `json:"failed,omitempty"`

	// Current is a CEL expression that is true when the resource has reached its desired
	// state.
	// +required
	Current string `json:"current"`
}
