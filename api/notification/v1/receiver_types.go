package v1

import (
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ReceiverKind is the kind of Receiver objects.
const ReceiverKind string = "Receiver"

// ReceiverWebhookPath is the path prefix under which every Receiver's webhook is served; the full
// path is this prefix followed by a hex SHA-256 digest (see Receiver.GetWebhookPath).
const ReceiverWebhookPath string = "/hook/"

// DefaultReceiverInterval is how often a Receiver is reconciled when spec.interval is unset.
const DefaultReceiverInterval = 10 * time.Minute

// DefaultOIDCAudience is the audience a generic-oidc Receiver expects in tokens when
// spec.oidcProviders[].audience is unset.
const DefaultOIDCAudience string = "notification-controller"

// Receiver types: they decide how a request is authenticated and how its payload is read.
const (
	// GenericReceiver accepts any request; the secret path is the only protection.
	GenericReceiver string = "generic"
	// GenericHMACReceiver requires an `X-Signature: <sha1|sha256|sha512>=<hex HMAC>` header.
	GenericHMACReceiver string = "generic-hmac"
	// GenericOIDCReceiver requires an `Authorization: Bearer <OIDC ID token>` header from one of
	// spec.oidcProviders; it needs no Secret.
	GenericOIDCReceiver string = "generic-oidc"
	// GitHubReceiver validates GitHub (and Gitea) signatures and event types.
	GitHubReceiver string = "github"
	// GitLabReceiver validates the `X-Gitlab-Token` header and event types.
	GitLabReceiver string = "gitlab"
	// BitbucketReceiver validates Bitbucket Server/Cloud signatures and event keys.
	BitbucketReceiver string = "bitbucket"
	// HarborReceiver validates the `Authorization` header.
	HarborReceiver string = "harbor"
	// DockerHubReceiver accepts Docker Hub webhooks.
	DockerHubReceiver string = "dockerhub"
	// QuayReceiver accepts Quay webhooks.
	QuayReceiver string = "quay"
	// GCRReceiver validates Google Pub/Sub push requests (Google-signed OIDC tokens).
	GCRReceiver string = "gcr"
	// NexusReceiver validates the `X-Nexus-Webhook-Signature` header.
	NexusReceiver string = "nexus"
	// ACRReceiver accepts Azure Container Registry webhooks.
	ACRReceiver string = "acr"
	// CDEventsReceiver accepts CDEvents, filtered by their `Ce-Type`.
	CDEventsReceiver string = "cdevents"
)

// ReceiverSpec says how webhook requests are authenticated and which objects they reconcile.
// +kubebuilder:validation:XValidation:rule="self.type == 'generic-oidc' || has(self.secretRef)",message="spec.secretRef is required unless spec.type is 'generic-oidc'"
// +kubebuilder:validation:XValidation:rule="self.type != 'generic-oidc' || (has(self.oidcProviders) && size(self.oidcProviders) > 0)",message="spec.oidcProviders must list at least one provider when spec.type is 'generic-oidc'"
// +kubebuilder:validation:XValidation:rule="!has(self.oidcProviders) || size(self.oidcProviders) == 0 || self.type == 'generic-oidc'",message="spec.oidcProviders is only supported when spec.type is 'generic-oidc'"
type ReceiverSpec struct {
	// Type is the kind of webhook sender; it decides how requests are authenticated and parsed.
	// +kubebuilder:validation:Enum=generic;generic-hmac;generic-oidc;github;gitlab;bitbucket;harbor;dockerhub;quay;gcr;nexus;acr;cdevents
	// +required
	Type string `json:"type"`

	// Interval is how often the Receiver is reconciled, which re-reads its Secret.
	// Defaults to 10m.
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern="^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$"
	// +kubebuilder:default:="10m"
	// +optional
	Interval *metav1.Duration `json:"interval,omitempty"`

	// Events lists the event types to act on, e.g. `push` for GitHub, `Push Hook` for GitLab or
	// `repo:push` for Bitbucket; requests with other event types are ignored. Empty means all.
	// +optional
	Events []string `json:"events,omitempty"`

	// Resources are the objects asked to reconcile when a valid request arrives.
	// +required
	Resources []ReceiverResource `json:"resources"`

	// ResourceFilter is a CEL expression evaluated for each object selected by resources; the
	// object is reconciled only if it returns true. The variables are `res` (the object),
	// `req` (the request, with its parsed body) and, for generic-oidc, `claims` (the verified
	// token claims).
	// +optional
	ResourceFilter string `json:"resourceFilter,omitempty"`

	// SecretRef names a Secret in the same namespace whose `token` key authenticates requests and
	// is part of the webhook path (the gcr type also needs `email` and `audience`). Required for
	// every type except generic-oidc.
	// +optional
	SecretRef *meta.LocalObjectReference `json:"secretRef,omitempty"`

	// OIDCProviders are the identity providers whose ID tokens a generic-oidc Receiver accepts;
	// a token is matched to a provider by its issuer. Only for type generic-oidc.
	// +optional
	OIDCProviders []OIDCProvider `json:"oidcProviders,omitempty"`

	// Suspend makes the webhook reject requests (HTTP 503) until it is set back to false.
	// +optional
	Suspend bool `json:"suspend,omitempty"`
}

// ReceiverResource is an object, or a set of objects, that a Receiver asks to reconcile.
// +kubebuilder:validation:XValidation:rule="self.name != '*' || has(self.matchLabels)",message="matchLabels must be set when name is '*'"
type ReceiverResource struct {
	CrossNamespaceObjectReference `json:",inline"`

	// Filter is a CEL expression evaluated for each object this entry selects, in addition to
	// spec.resourceFilter; the object is reconciled only if it returns true. It sees the same
	// variables as spec.resourceFilter.
	// +optional
	Filter string `json:"filter,omitempty"`
}

// OIDCProvider is an OpenID Connect issuer whose ID tokens a generic-oidc Receiver accepts.
type OIDCProvider struct {
	// IssuerURL is the issuer URL; it must equal the `iss` claim of the tokens, and its OIDC
	// discovery document supplies the keys that verify them.
	// +kubebuilder:validation:MinLength=1
	// +required
	IssuerURL string `json:"issuerURL"`

	// Audience is the value the `aud` claim of the tokens must contain.
	// Defaults to `notification-controller`.
	// +kubebuilder:default:="notification-controller"
	// +optional
	Audience string `json:"audience,omitempty"`

	// Variables are named CEL expressions over `claims`, evaluated in order; each result is
	// available to the later variables and to the validations as `variables.<name>`.
	// +optional
	Variables []OIDCVariable `json:"variables,omitempty"`

	// Validations are CEL expressions over `claims` and `variables` that must all return true
	// for a token to be accepted.
	// +optional
	Validations []OIDCValidation `json:"validations,omitempty"`
}

// OIDCVariable is a named CEL expression computed from the token claims.
type OIDCVariable struct {
	// Name of the variable.
	// +kubebuilder:validation:MinLength=1
	// +required
	Name string `json:"name"`

	// Expression is the CEL expression that computes the variable.
	// +kubebuilder:validation:MinLength=1
	// +required
	Expression string `json:"expression"`
}

// OIDCValidation is a CEL rule a token must satisfy.
type OIDCValidation struct {
	// Expression is a CEL expression that must return true.
	// +kubebuilder:validation:MinLength=1
	// +required
	Expression string `json:"expression"`

	// Message explains the rejection when the expression returns false.
	// +optional
	Message string `json:"message,omitempty"`
}

// ReceiverStatus is the observed state of a Receiver.
type ReceiverStatus struct {
	meta.ReconcileRequestStatus `json:",inline"`

	// Conditions holds the kstatus conditions of the object (Ready, Reconciling, Stalled).
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// WebhookPath is the path of the webhook, `/hook/` followed by the hex SHA-256 of
	// token+name+namespace.
	// +optional
	WebhookPath string `json:"webhookPath,omitempty"`

	// ObservedGeneration is the last generation of the spec the controller acted on.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
}

// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:storageversion
// +kubebuilder:resource:categories=all;fluxcd;fluxcd-notifications
// +kubebuilder:metadata:annotations="kustomize.toolkit.fluxcd.io/substitute=disabled"
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Status",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].message`

// Receiver exposes a webhook; each authenticated request asks the listed objects to reconcile
// now, by setting their `reconcile.fluxcd.io/requestedAt` annotation.
type Receiver struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the desired state of the Receiver.
	Spec ReceiverSpec `json:"spec,omitempty"`

	// Status is the observed state of the Receiver.
	// +kubebuilder:default:={"observedGeneration":-1}
	Status ReceiverStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// ReceiverList is a list of Receiver objects.
type ReceiverList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	// Items are the Receiver objects.
	Items []Receiver `json:"items"`
}

// GetConditions returns the status conditions; it implements the conditions Getter interface.
func (in *Receiver) GetConditions() []metav1.Condition {
	return in.Status.Conditions
}

// SetConditions replaces the status conditions; it implements the conditions Setter interface.
func (in *Receiver) SetConditions(conditions []metav1.Condition) {
	in.Status.Conditions = conditions
}

// GetWebhookPath returns the webhook path for the given token: ReceiverWebhookPath followed by the
// lowercase hex SHA-256 of token+name+namespace. generic-oidc Receivers have no token and pass "".
// The flux CLI computes the same path, so the formula must not change.
func (in *Receiver) GetWebhookPath(token string) string {
	sum := sha256.Sum256([]byte(token + in.GetName() + in.GetNamespace()))
	return ReceiverWebhookPath + hex.EncodeToString(sum[:])
}

// GetInterval returns spec.interval, or DefaultReceiverInterval when it is unset.
func (in *Receiver) GetInterval() time.Duration {
	if in.Spec.Interval != nil {
		return in.Spec.Interval.Duration
	}
	return DefaultReceiverInterval
}

// GetRequeueAfter returns how long to wait before reconciling again: GetInterval.
func (in *Receiver) GetRequeueAfter() time.Duration {
	return in.GetInterval()
}

// GetAudience returns the audience tokens must carry, DefaultOIDCAudience when it is unset.
func (in *OIDCProvider) GetAudience() string {
	if in.Audience != "" {
		return in.Audience
	}
	return DefaultOIDCAudience
}
