package v1

import "github.com/fluxcd/pkg/apis/meta"

// OCIRepositoryVerification configures how the signature of an OCI artifact is verified.
type OCIRepositoryVerification struct {
	// Provider is the signing technology: 'cosign' (Sigstore) or 'notation' (Notary Project).
	// Defaults to 'cosign'.
	// +kubebuilder:validation:Enum=cosign;notation
	// +kubebuilder:default:=cosign
	Provider string `json:"provider"`

	// SecretRef names a Secret in the same namespace with the trusted public keys (cosign) or
	// the trust policy and certificates (notation). Without it, cosign uses keyless
	// verification.
	// +optional
	SecretRef *meta.LocalObjectReference `json:"secretRef,omitempty"`

	// MatchOIDCIdentity lists the accepted signer identities for cosign keyless signatures.
	// The signature is accepted if any entry matches the certificate's issuer and subject.
	// +optional
	MatchOIDCIdentity []OIDCIdentityMatch `json:"matchOIDCIdentity,omitempty"`

	// TrustedRootSecretRef names a Secret in the same namespace with a Sigstore
	// 'trusted_root.json' key, to verify against self-hosted Sigstore infrastructure (own
	// Fulcio CA, own Rekor).
	// +optional
	TrustedRootSecretRef *meta.LocalObjectReference `json:"trustedRootSecretRef,omitempty"`
}

// GetProvider returns the verification provider, defaulting to CosignVerificationProvider.
func (in *OCIRepositoryVerification) GetProvider() string {
	if in.Provider == "" {
		return CosignVerificationProvider
	}
	return in.Provider
}

// OIDCIdentityMatch is one accepted identity of a keyless (Fulcio) signing certificate.
type OIDCIdentityMatch struct {
	// Issuer is a Go regular expression matched against the OIDC issuer in the certificate.
	// +required
	Issuer string `json:"issuer"`

	// Subject is a Go regular expression matched against the identity subject in the
	// certificate.
	// +required
	Subject string `json:"subject"`
}
