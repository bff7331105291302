package v1beta3

import (
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ProviderKind is the kind of Provider objects.
const ProviderKind string = "Provider"

// DefaultProviderTimeout bounds the sending of one notification when spec.timeout is unset.
const DefaultProviderTimeout = 15 * time.Second

// Provider types, the values of spec.type.
const (
	SlackProvider                     string = "slack"
	DiscordProvider                   string = "discord"
	MSTeamsProvider                   string = "msteams"
	RocketProvider                    string = "rocket"
	GenericProvider                   string = "generic"
	GenericHMACProvider               string = "generic-hmac"
	GitHubProvider                    string = "github"
	GitLabProvider                    string = "gitlab"
	GiteaProvider                     string = "gitea"
	GiteaPullRequestCommentProvider   string = "giteapullrequestcomment"
	BitbucketServerProvider           string = "bitbucketserver"
	BitbucketProvider                 string = "bitbucket"
	AzureDevOpsProvider               string = "azuredevops"
	GoogleChatProvider                string = "googlechat"
	GooglePubSubProvider              string = "googlepubsub"
	WebexProvider                     string = "webex"
	SentryProvider                    string = "sentry"
	AzureEventHubProvider             string = "azureeventhub"
	TelegramProvider                  string = "telegram"
	LarkProvider                      string = "lark"
	MatrixProvider                    string = "matrix"
	OpsgenieProvider                  string = "opsgenie"
	AlertManagerProvider              string = "alertmanager"
	GrafanaProvider                   string = "grafana"
	GitHubDispatchProvider            string = "githubdispatch"
	GitHubPullRequestCommentProvider  string = "githubpullrequestcomment"
	GitLabMergeRequestCommentProvider string = "gitlabmergerequestcomment"
	PagerDutyProvider                 string = "pagerduty"
	DataDogProvider                   string = "datadog"
	NATSProvider                      string = "nats"
	ZulipProvider                     string = "zulip"
	OTELProvider                      string = "otel"
	ZoomProvider                      string = "zoom"
	IncidentIOProvider                string = "incident.io"
)

// ProviderSpec says where and how notifications are sent.
// +kubebuilder:validation:XValidation:rule="!has(self.commitStatusExpr) || size(self.commitStatusExpr) == 0 || self.type in ['github', 'gitlab', 'gitea', 'bitbucketserver', 'bitbucket', 'azuredevops']",message="spec.commitStatusExpr is only supported for the 'github', 'gitlab', 'gitea', 'bitbucketserver', 'bitbucket' and 'azuredevops' provider types"
type ProviderSpec struct {
	// Type is the notification service.
	// +kubebuilder:validation:Enum=slack;discord;msteams;rocket;generic;generic-hmac;github;gitlab;gitea;giteapullrequestcomment;bitbucketserver;bitbucket;azuredevops;googlechat;googlepubsub;webex;sentry;azureeventhub;telegram;lark;matrix;opsgenie;alertmanager;grafana;githubdispatch;githubpullrequestcomment;gitlabmergerequestcomment;pagerduty;datadog;nats;zulip;otel;zoom;incident.io
	// +required
	Type string `json:"type"`

	// Interval is not used. Deprecated: kept only so that existing manifests stay valid.
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern="^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$"
	// +optional
	Interval *metav1.Duration `json:"interval,omitempty"`

	// Channel is the destination channel, room or topic, for the types that have one.
	// +kubebuilder:validation:MaxLength:=2048
	// +optional
	Channel string `json:"channel,omitempty"`

	// Username is the name the notifications are posted as, for the types that support it.
	// Defaults to the name of the controller that emitted the event.
	// +kubebuilder:validation:MaxLength:=2048
	// +optional
	Username string `json:"username,omitempty"`

	// Address is where notifications are sent; what it is depends on the type: an HTTP(S) URL for
	// most types (e.g. a webhook or a repository URL), a project or namespace for others. The key
	// `address` of the Secret named by secretRef overrides it.
	// +kubebuilder:validation:MaxLength:=2048
	// +optional
	Address string `json:"address,omitempty"`

	// Timeout bounds the sending of one notification. Defaults to 15s.
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern="^([0-9]+(\\.[0-9]+)?(ms|s|m))+$"
	// +optional
	Timeout *metav1.Duration `json:"timeout,omitempty"`

	// Proxy is the HTTP(S) URL of a proxy server to send through.
	// Deprecated: use proxySecretRef.
	// +kubebuilder:validation:Pattern="^(http|https)://.*$"
	// +kubebuilder:validation:MaxLength:=2048
	// +optional
	Proxy string `json:"proxy,omitempty"`

	// ProxySecretRef names a Secret in the same namespace with the proxy to send through: key
	// `address` (the proxy's HTTP(S) URL), and optionally `username` and `password`.
	// +optional
	ProxySecretRef *meta.LocalObjectReference `json:"proxySecretRef,omitempty"`

	// SecretRef names a Secret in the same namespace with the credentials of the service. Keys
	// used, depending on the type: `address`, `token`, `username`, `password`, and `headers` (a
	// YAML map of extra HTTP headers).
	// +optional
	SecretRef *meta.LocalObjectReference `json:"secretRef,omitempty"`

	// CertSecretRef names a Secret in the same namespace with TLS material for the connection: a
	// PEM CA certificate in `ca.crt` (server authentication), and/or a PEM client certificate and
	// key in `tls.crt` and `tls.key` (mutual TLS). The old keys `caFile`, `certFile` and `keyFile`
	// are deprecated.
	// +optional
	CertSecretRef *meta.LocalObjectReference `json:"certSecretRef,omitempty"`

	// ServiceAccountName is a ServiceAccount in the same namespace whose workload identity is
	// exchanged for cloud credentials, for the types azureeventhub, azuredevops and
	// googlepubsub. Static credentials in secretRef must not be set as well. Requires the
	// ObjectLevelWorkloadIdentity feature gate.
	// +optional
	ServiceAccountName string `json:"serviceAccountName,omitempty"`

	// CommitStatusExpr is a CEL expression returning the string that identifies the commit
	// status, instead of the default one derived from the object. Its variables are `event`,
	// `provider` and `alert`. Only for the types github, gitlab, gitea, bitbucketserver,
	// bitbucket and azuredevops.
	// +optional
	CommitStatusExpr string `json:"commitStatusExpr,omitempty"`

	// Suspend stops sending notifications through this Provider until it is set back to false.
	// +optional
	Suspend bool `json:"suspend,omitempty"`
}

// +kubebuilder:object:root=true
// +kubebuilder:storageversion
// +kubebuilder:resource:categories=all;fluxcd;fluxcd-notifications
// +kubebuilder:metadata:annotations="kustomize.toolkit.fluxcd.io/substitute=disabled"
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`

// Provider is a destination for notifications: a chat service, a webhook, a Git commit status
// and so on. It has no status.
type Provider struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the desired state of the Provider.
	Spec ProviderSpec `json:"spec,omitempty"`
}

// +kubebuilder:object:root=true

// ProviderList is a list of Provider objects.
type ProviderList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`

	// Items are the Provider objects.
	Items []Provider `json:"items"`
}

// GetTimeout returns spec.timeout, or DefaultProviderTimeout when it is unset.
func (in *Provider) GetTimeout() time.Duration {
	if in.Spec.Timeout != nil {
		return in.Spec.Timeout.Duration
	}
	return DefaultProviderTimeout
}

// IsCommitStatusProvider reports whether providerType sets Git commit statuses. Only these types
// accept spec.commitStatusExpr.
func IsCommitStatusProvider(providerType string) bool {
	switch providerType {
	case GitHubProvider, GitLabProvider, GiteaProvider, BitbucketServerProvider, BitbucketProvider,
		AzureDevOpsProvider:
		return true
	}
	return false
}

// IsChangeRequestProvider reports whether providerType comments on pull or merge requests; such
// providers need the `change_request` event metadata.
func IsChangeRequestProvider(providerType string) bool {
	switch providerType {
	case GitHubPullRequestCommentProvider, GitLabMergeRequestCommentProvider,
		GiteaPullRequestCommentProvider:
		return true
	}
	return false
}
