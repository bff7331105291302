package v1

import (
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Authentication providers accepted in GitRepository spec.provider.
const (
	// GitProviderGeneric authenticates with the credentials in spec.secretRef (or none).
	GitProviderGeneric string = "generic"
	// GitProviderAWS authenticates to AWS CodeCommit with IAM credentials of the workload.
	GitProviderAWS string = "aws"
	// GitProviderAzure authenticates to Azure DevOps with a managed (workload) identity.
	GitProviderAzure string = "azure"
	// GitProviderGitHub authenticates as a GitHub App whose keys are in spec.secretRef.
	GitProviderGitHub string = "github"
)

// DefaultGitBranch is the branch checked out when spec.ref is empty.
const DefaultGitBranch = "master"

// DefaultGitTimeout is the timeout of Git operations when spec.timeout is not set.
const DefaultGitTimeout = 60 * time.Second

// GitVerificationMode selects which Git objects must carry a trusted signature.
type GitVerificationMode string

const (
	// ModeGitHEAD verifies the commit that is checked out (the HEAD after checkout).
	ModeGitHEAD GitVerificationMode = "HEAD"
	// ModeGitTag verifies the annotated tag named in spec.ref.
	ModeGitTag GitVerificationMode = "Tag"
	// ModeGitTagAndHEAD verifies both the tag and the commit it points at.
	ModeGitTagAndHEAD GitVerificationMode = "TagAndHEAD"
	// modeGitHEADLegacy is the lower-case spelling still accepted for compatibility; it means
	// the same as ModeGitHEAD.
	modeGitHEADLegacy GitVerificationMode = "head"
)

// Valid reports whether m is one of the canonical modes (HEAD, Tag, TagAndHEAD). The legacy
// spelling "head" is accepted by the API but is not canonical.
func (m GitVerificationMode) Valid() bool {
	switch m {
	case ModeGitHEAD, ModeGitTag, ModeGitTagAndHEAD:
		return true
	}
	return false
}

// GitRepositorySpec is the desired state of a GitRepository: which repository and reference to
// fetch, how to authenticate, and how to build the artifact.
//
// +kubebuilder:validation:XValidation:rule="!has(self.serviceAccountName) || (has(self.provider) && (self.provider == 'azure' || self.provider == 'aws'))",message="serviceAccountName can only be set when provider is 'azure' or 'aws'"
type GitRepositorySpec struct {
	// URL of the Git repository. Must be an http://, https:// or ssh:// address.
	// +kubebuilder:validation:Pattern="^(http|https|ssh)://.*$"
	// +required
	URL string `json:"url"`

	// SecretRef names a Secret in the same namespace with the credentials for the repository.
	// HTTPS: 'username' and 'password' (basic auth) or 'bearerToken'. SSH: 'identity' (private
	// key) and 'known_hosts'. Optionally 'ca.crt', and 'tls.crt' with 'tls.key' for mutual TLS.
	// For the github provider it holds the GitHub App credentials.
	// +optional
	SecretRef *meta.LocalObjectReference `json:"secretRef,omitempty"`

	// Provider selects how to authenticate: 'generic' (credentials from SecretRef), 'aws'
	// (CodeCommit IAM), 'azure' (managed identity) or 'github' (GitHub App). Defaults to
	// 'generic'.
	// +kubebuilder:validation:Enum=generic;aws;azure;github
	// +optional
	Provider string `json:"provider,omitempty"`

	// ServiceAccountName is a ServiceAccount in the same namespace whose workload identity is
	// used to authenticate. Only allowed with the 'azure' and 'aws' providers.
	// +optional
	ServiceAccountName string `json:"serviceAccountName,omitempty"`

	// Interval between two checks of the repository for new commits, e.g. '1m' or '1h30m'. The
	// controller may add jitter.
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern="^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$"
	// +required
	Interval metav1.Duration `json:"interval"`

	// Timeout of Git operations such as clone and fetch. Defaults to 60s.
	// +kubebuilder:default="60s"
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern="^([0-9]+(\\.[0-9]+)?(ms|s|m))+$"
	// +optional
	Timeout *metav1.Duration `json:"timeout,omitempty"`

	// Reference selects what to check out (branch, tag, semver range, full ref name or commit).
	// Defaults to the 'master' branch.
	// +optional
	Reference *GitRepositoryRef `json:"ref,omitempty"`

	// Verification configures checking of commit and/or tag signatures against trusted keys.
	// +optional
	Verification *GitRepositoryVerification `json:"verify,omitempty"`

	// ProxySecretRef names a Secret in the same namespace with the proxy to use for the Git
	// server: 'address', and optionally 'username' and 'password'.
	// +optional
	ProxySecretRef *meta.LocalObjectReference `json:"proxySecretRef,omitempty"`

	// Ignore holds exclusion patterns in .sourceignore (gitignore) format. When set it replaces
	// the default exclusions (VCS metadata, CI configuration, images and archives).
	// +optional
	Ignore *string `json:"ignore,omitempty"`

	// Suspend stops the controller from reconciling this object. The last artifact stays
	// available.
	// +optional
	Suspend bool `json:"suspend,omitempty"`

	// RecurseSubmodules makes the controller clone and include all Git submodules, using their
	// default settings.
	// +optional
	RecurseSubmodules bool `json:"recurseSubmodules,omitempty"`

	// Include lists other GitRepositories in the same namespace whose artifact contents are
	// copied into the artifact of this one.
	// +optional
	Include []GitRepositoryInclude `json:"include,omitempty"`

	// SparseCheckout lists directories to check out. When set, only these directories end up
	// in the artifact.
	// +optional
	SparseCheckout []string `json:"sparseCheckout,omitempty"`
}

// GitRepositoryInclude copies (part of) the artifact of another GitRepository into this one.
type GitRepositoryInclude struct {
	// GitRepositoryRef names the GitRepository, in the same namespace, to include.
	// +required
	GitRepositoryRef meta.LocalObjectReference `json:"repository"`

	// FromPath is the directory of the included artifact to copy. Defaults to its root.
	// +optional
	FromPath string `json:"fromPath,omitempty"`

	// ToPath is the directory in this artifact to copy to. Defaults to the name of the
	// included GitRepository.
	// +optional
	ToPath string `json:"toPath,omitempty"`
}

// GetFromPath returns the directory of the included artifact to copy ("" means its root).
func (in *GitRepositoryInclude) GetFromPath() string {
	return in.FromPath
}

// GetToPath returns the destination directory, defaulting to the included repository's name.
func (in *GitRepositoryInclude) GetToPath() string {
	if in.ToPath == "" {
		return in.GitRepositoryRef.Name
	}
	return in.ToPath
}

// GitRepositoryRef selects the Git reference to check out. When several fields are set the most
// specific wins: commit, then name, then semver, then tag, then branch.
type GitRepositoryRef struct {
	// Branch to check out. Defaults to 'master' when no other field is set. Together with
	// Commit it limits the clone to that branch.
	// +optional
	Branch string `json:"branch,omitempty"`

	// Tag to check out. Takes precedence over Branch.
	// +optional
	Tag string `json:"tag,omitempty"`

	// SemVer is a semantic version range; the highest matching tag is checked out. Takes
	// precedence over Tag.
	// +optional
	SemVer string `json:"semver,omitempty"`

	// Name is a full Git reference to check out, e.g. 'refs/heads/main', 'refs/tags/v1.0.0' or
	// 'refs/pull/42/head'. It must follow git-check-ref-format. Takes precedence over Branch,
	// Tag and SemVer.
	// +optional
	Name string `json:"name,omitempty"`

	// Commit is the SHA of a commit to check out. Takes precedence over all other fields; when
	// combined with Branch the commit must exist on that branch.
	// +optional
	Commit string `json:"commit,omitempty"`
}

// GitRepositoryVerification configures signature verification of Git objects.
type GitRepositoryVerification struct {
	// Mode selects what to verify: 'HEAD' (the checked out commit), 'Tag' (the tag in spec.ref)
	// or 'TagAndHEAD' (both). 'head' is accepted as an alias of 'HEAD' for backwards
	// compatibility. Defaults to 'HEAD'.
	// +kubebuilder:validation:Enum=head;HEAD;Tag;TagAndHEAD
	// +kubebuilder:default:=HEAD
	// +optional
	Mode GitVerificationMode `json:"mode,omitempty"`

	// SecretRef names a Secret in the same namespace with the trusted public keys: PGP keys
	// under keys ending in '.asc', SSH keys under keys ending in '.sshpub'.
	// +required
	SecretRef meta.LocalObjectReference `json:"secretRef"`
}

// GetMode returns the canonical verification mode: the declared mode, or ModeGitHEAD when the
// mode is empty or the legacy spelling "head".
func (in *GitRepositoryVerification) GetMode() GitVerificationMode {
	if in.Mode.Valid() {
		return in.Mode
	}
	return ModeGitHEAD
}

// VerifyHEAD reports whether the checked out commit must be verified.
func (in *GitRepositoryVerification) VerifyHEAD() bool {
	m := in.GetMode()
	return m == ModeGitHEAD || m == ModeGitTagAndHEAD
}

// VerifyTag reports whether the tag named in spec.ref must be verified.
func (in *GitRepositoryVerification) VerifyTag() bool {
	m := in.GetMode()
	return m == ModeGitTag || m == ModeGitTagAndHEAD
}

// GitRepositoryStatus is the observed state of a GitRepository.
type GitRepositoryStatus struct {
	// ObservedGeneration is the metadata.generation last handled by the controller.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// Conditions describe the current state of the GitRepository (Ready, Reconciling,
	// Stalled, ArtifactInStorage, FetchFailed, ...).
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// Artifact is the output of the last successful reconciliation: where to download it,
	// its digest and its revision ('<branch>@sha1:<commit>').
	// +optional
	Artifact *meta.Artifact `json:"artifact,omitempty"`

	// IncludedArtifacts are the artifacts of the GitRepositories in spec.include that went
	// into the current artifact.
	// +optional
	IncludedArtifacts []*meta.Artifact `json:"includedArtifacts,omitempty"`

	// ObservedIgnore is the spec.ignore value used to build the current artifact.
	// +optional
	ObservedIgnore *string `json:"observedIgnore,omitempty"`

	// ObservedRecurseSubmodules is the spec.recurseSubmodules value used to build the current
	// artifact.
	// +optional
	ObservedRecurseSubmodules bool `json:"observedRecurseSubmodules,omitempty"`

	// ObservedInclude is the spec.include value used to build the current artifact.
	// +optional
	ObservedInclude []GitRepositoryInclude `json:"observedInclude,omitempty"`

	// ObservedSparseCheckout is the spec.sparseCheckout value used to build the current
	// artifact.
	// +optional
	ObservedSparseCheckout []string `json:"observedSparseCheckout,omitempty"`

	// SourceVerificationMode is the verification mode that was applied to the current
	// artifact, i.e. which Git objects were verified.
	// +optional
	SourceVerificationMode *GitVerificationMode `json:"sourceVerificationMode,omitempty"`

	meta.ReconcileRequestStatus `json:",inline"`
}

// +kubebuilder:object:root=true
// +kubebuilder:storageversion
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=gitrepo,categories=all;fluxcd;fluxcd-sources
// +kubebuilder:printcolumn:name="URL",type=string,JSONPath=`.spec.url`
// +kubebuilder:printcolumn:name="Age",type="date",JSONPath=".metadata.creationTimestamp",description=""
// +kubebuilder:printcolumn:name="Ready",type="string",JSONPath=".status.conditions[?(@.type==\"Ready\")].status",description=""
// +kubebuilder:printcolumn:name="Status",type="string",JSONPath=".status.conditions[?(@.type==\"Ready\")].message",description=""
// +kubebuilder:metadata:annotations="kustomize.toolkit.fluxcd.io/substitute=disabled"

// GitRepository periodically fetches a Git repository and publishes the checked out tree as a
// tarball artifact that other controllers can download.
type GitRepository struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the desired state of the GitRepository.
	Spec GitRepositorySpec `json:"spec,omitempty"`

	// Status is the observed state of the GitRepository.
	// +kubebuilder:default={"observedGeneration":-1}
	Status GitRepositoryStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// GitRepositoryList is a list of GitRepository objects.
type GitRepositoryList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	// Items are the GitRepositories.
	Items []GitRepository `json:"items"`
}

// GetConditions returns status.conditions; with SetConditions it makes GitRepository usable
// with fluxcd/pkg/runtime/conditions.
func (in *GitRepository) GetConditions() []metav1.Condition {
	return in.Status.Conditions
}

// SetConditions replaces status.conditions.
func (in *GitRepository) SetConditions(conditions []metav1.Condition) {
	in.Status.Conditions = conditions
}

// GetRequeueAfter returns spec.interval, the time until the next reconciliation.
func (in *GitRepository) GetRequeueAfter() time.Duration {
	return in.Spec.Interval.Duration
}

// GetTimeout returns spec.timeout, or DefaultGitTimeout (60s) when it is not set.
func (in *GitRepository) GetTimeout() time.Duration {
	if in.Spec.Timeout == nil {
		return DefaultGitTimeout
	}
	return in.Spec.Timeout.Duration
}

// GetArtifact returns status.artifact, or nil when no artifact has been stored yet.
func (in *GitRepository) GetArtifact() *meta.Artifact {
	return in.Status.Artifact
}

// GetProvider returns spec.provider, defaulting to GitProviderGeneric.
func (in *GitRepository) GetProvider() string {
	if in.Spec.Provider == "" {
		return GitProviderGeneric
	}
	return in.Spec.Provider
}

// GetVerificationMode returns the canonical verification mode from spec.verify, or "" when
// signature verification is not configured.
func (in *GitRepository) GetVerificationMode() GitVerificationMode {
	if in.Spec.Verification == nil {
		return ""
	}
	return in.Spec.Verification.GetMode()
}

// IsSuspended reports whether spec.suspend is set.
func (in *GitRepository) IsSuspended() bool {
	return in.Spec.Suspend
}
