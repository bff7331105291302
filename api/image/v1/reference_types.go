package v1

// ImageRef is a container image reference split into its parts.
type ImageRef struct {
	// Name is the image name without tag or digest, e.g. `ghcr.io/org/app`.
	// +required
	Name string `json:"name"`

	// Tag is the image tag.
	// +required
	Tag string `json:"tag"`

	// Digest is the image digest, e.g. `sha256:...`; set only when digest reflection is enabled.
	// +optional
	Digest string `json:"digest,omitempty"`
}

// String returns the reference as `name:tag`, followed by `@digest` when the digest is known.
func (in *ImageRef) String() string {
	s := in.Name + ":" + in.Tag
	if in.Digest != "" {
		s += "@" + in.Digest
	}
	return s
}

// CrossNamespaceSourceReference locates the source (a GitRepository) of an ImageUpdateAutomation,
// possibly in another namespace.
type CrossNamespaceSourceReference struct {
	// APIVersion of the referent, e.g. `source.toolkit.fluxcd.io/v1`.
	// +optional
	APIVersion string `json:"apiVersion,omitempty"`

	// Kind of the referent. Only GitRepository is supported.
	// +kubebuilder:validation:Enum=GitRepository
	// +kubebuilder:default=GitRepository
	// +required
	Kind string `json:"kind"`

	// Name of the referent.
	// +required
	Name string `json:"name"`

	// Namespace of the referent; defaults to the namespace of the object holding the reference.
	// +optional
	Namespace string `json:"namespace,omitempty"`
}

// String returns the reference as `Kind/namespace/name`, or `Kind/name` without a namespace.
func (in *CrossNamespaceSourceReference) String() string {
	if in.Namespace != "" {
		return in.Kind + "/" + in.Namespace + "/" + in.Name
	}
	return in.Kind + "/" + in.Name
}

// GitRepositoryRef selects what to check out of a Git repository. It has the same shape as the
// `spec.ref` of a source.toolkit.fluxcd.io/v1 GitRepository; it is declared here so that this
// package does not depend on the source API package.
//
// When several fields are set, the most specific wins: commit, then name, then semver, then tag,
// then branch.
type GitRepositoryRef struct {
	// Branch to check out; used when no other field is set.
	// +optional
	Branch string `json:"branch,omitempty"`

	// Tag to check out; takes precedence over Branch.
	// +optional
	Tag string `json:"tag,omitempty"`

	// SemVer is a semver range; the highest matching tag is checked out. Takes precedence over Tag.
	// +optional
	SemVer string `json:"semver,omitempty"`

	// Name is a full Git reference to check out, e.g. `refs/heads/main`, `refs/tags/v1.0.0` or
	// `refs/pull/1/head`. Takes precedence over Branch, Tag and SemVer.
	// +optional
	Name string `json:"name,omitempty"`

	// Commit is a full commit SHA to check out; it takes precedence over every other field.
	// With Branch set as well, the branch is cloned and the commit is checked out from it.
	// +optional
	Commit string `json:"commit,omitempty"`
}
