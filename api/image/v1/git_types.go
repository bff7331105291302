package v1

import (
	"github.com/fluxcd/pkg/apis/meta"
)

// DefaultCommitMessageTemplate is the commit message used when
// spec.git.commit.messageTemplate is empty.
const DefaultCommitMessageTemplate = "Update from image update automation"

// GitSpec holds the Git settings of an ImageUpdateAutomation: what to check out, how to commit and
// where to push.
type GitSpec struct {
	// Checkout says what to clone and check out. When unset, the `spec.ref` of the referenced
	// GitRepository (or its default) is used.
	// +optional
	Checkout *GitCheckoutSpec `json:"checkout,omitempty"`

	// Commit says how to make commits.
	// +required
	Commit CommitSpec `json:"commit"`

	// Push says where to push the commits. When unset, they are pushed back to the branch that
	// was checked out.
	// +optional
	Push *PushSpec `json:"push,omitempty"`
}

// HasRefspec reports whether a push refspec is configured.
func (in GitSpec) HasRefspec() bool {
	return in.Push != nil && in.Push.Refspec != ""
}

// GitCheckoutSpec says what to check out of the Git repository.
type GitCheckoutSpec struct {
	// Reference is the branch, tag or commit to clone.
	// +required
	Reference GitRepositoryRef `json:"ref"`
}

// CommitSpec says how to make commits.
type CommitSpec struct {
	// Author is the author (and committer) of the commits; the email is required.
	// +required
	Author CommitUser `json:"author"`

	// SigningKey, when set, signs the commits with an OpenPGP or SSH key from a Secret.
	// +optional
	SigningKey *SigningKey `json:"signingKey,omitempty"`

	// MessageTemplate is a Go text/template for the commit message. Its data are
	// `.AutomationObject` (the namespace/name of this object), `.Changed` (the files, objects and
	// setter changes made, each change with OldValue, NewValue and Setter) and `.Values`
	// (messageTemplateValues). The `.Updated` field of older versions no longer exists.
	// Defaults to "Update from image update automation".
	// +optional
	MessageTemplate string `json:"messageTemplate,omitempty"`

	// MessageTemplateValues are extra values available to the template as `.Values`.
	// +optional
	MessageTemplateValues map[string]string `json:"messageTemplateValues,omitempty"`
}

// CommitUser is a Git identity.
type CommitUser struct {
	// Name is the user name; when empty the commits have an empty name.
	// +optional
	Name string `json:"name,omitempty"`

	// Email is the email address.
	// +required
	Email string `json:"email"`
}

// SigningKeyType is the format of a commit signing key.
// +kubebuilder:validation:Enum=gpg;ssh
type SigningKeyType string

const (
	// SigningKeyTypeGPG is an ASCII-armored OpenPGP key pair in the Secret key `git.asc`, with an
	// optional `passphrase`.
	SigningKeyTypeGPG SigningKeyType = "gpg"
	// SigningKeyTypeSSH is an SSH private key in the Secret key `identity`, with an optional
	// `password`, the same layout as a GitRepository SSH auth Secret.
	SigningKeyTypeSSH SigningKeyType = "ssh"
)

// SigningKey refers to the key that signs the commits.
type SigningKey struct {
	// SecretRef names a Secret in the same namespace as the ImageUpdateAutomation that holds the
	// key: `git.asc` (and optionally `passphrase`) for type gpg; `identity` (and optionally
	// `password`) for type ssh. Supported SSH key types are ed25519, ECDSA (P-256, P-384, P-521)
	// and RSA of at least 2048 bits.
	// +required
	SecretRef meta.LocalObjectReference `json:"secretRef"`

	// Type is the key format, `gpg` or `ssh`. Defaults to `gpg`.
	// +kubebuilder:default=gpg
	// +optional
	Type SigningKeyType `json:"type,omitempty"`
}

// GetType returns the key format, SigningKeyTypeGPG when Type is empty.
func (in *SigningKey) GetType() SigningKeyType {
	if in.Type == "" {
		return SigningKeyTypeGPG
	}
	return in.Type
}

// PushSpec says where to push the commits.
type PushSpec struct {
	// Branch is the branch to push to. If it does not exist, it is created from the checked-out
	// commit.
	// +optional
	Branch string `json:"branch,omitempty"`

	// Refspec is a Git refspec to push with, e.g. `refs/heads/main:refs/for/main` for Gerrit. With
	// Branch also set, the commit is pushed to the branch and with the refspec. Refspecs that
	// delete (`:dst`) or force-update (`+src:dst`) references are not allowed.
	// See https://git-scm.com/book/en/v2/Git-Internals-The-Refspec.
	// +kubebuilder:validation:Pattern="^$|^[^+:]"
	// +optional
	Refspec string `json:"refspec,omitempty"`

	// Options are push options sent to the server (`git push -o key=value`), e.g. to open a
	// GitLab merge request.
	// +optional
	Options map[string]string `json:"options,omitempty"`
}
