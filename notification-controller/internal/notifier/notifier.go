package notifier

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"

	eventv1 "github.com/fluxcd/pkg/apis/event/v1beta1"

	notifv1beta3 "github.com/eddy-gitops/eddy/api/notification/v1beta3"
)

// Interface sends one event. The event's metadata is the merged, prefix-stripped metadata
// (package dispatch prepares it). Post must honour ctx's deadline.
type Interface interface {
	Post(ctx context.Context, event eventv1.Event) error
}

// Options are everything a notifier needs, resolved from the Provider and its Secrets.
type Options struct {
	// Address is the endpoint (Provider.spec.address, or the Secret's address key).
	Address string
	// Channel is the destination channel, chat or room.
	Channel string
	// Username is the bot name; empty means the event's reportingController.
	Username string
	// Token is the Secret's token key.
	Token string
	// Headers are extra HTTP headers (the Secret's headers key, a YAML map).
	Headers map[string]string
	// TLSConfig comes from certSecretRef (nil: system roots).
	TLSConfig *tls.Config
	// ProxyURL comes from proxySecretRef, the Secret's proxy key or spec.proxy.
	ProxyURL *url.URL
	// ProviderUID is the Provider's UID; commit-status providers derive their status id from it.
	ProviderUID string
	// Retry is the retry policy (zero value: DefaultRetry).
	Retry Retry
}

// Retry is how often and how patiently a failed request is retried (connection errors, 429
// and 5xx; never other 4xx). The caller's context deadline (the Provider timeout) bounds it all.
type Retry struct {
	Max     int
	WaitMin time.Duration
	WaitMax time.Duration
}

// DefaultRetry is Flux's: 4 retries, 2s to 30s apart.
var DefaultRetry = Retry{Max: 4, WaitMin: 2 * time.Second, WaitMax: 30 * time.Second}

// ErrUnsupported is returned by New for Provider types Eddy does not implement yet.
var ErrUnsupported = errors.New("not supported yet")

type factory func(Options) (Interface, error)

var factories = map[string]factory{
	notifv1beta3.SlackProvider:        newSlack,
	notifv1beta3.DiscordProvider:      newDiscord,
	notifv1beta3.RocketProvider:       newRocket,
	notifv1beta3.MSTeamsProvider:      newMSTeams,
	notifv1beta3.GoogleChatProvider:   newGoogleChat,
	notifv1beta3.TelegramProvider:     newTelegram,
	notifv1beta3.MatrixProvider:       newMatrix,
	notifv1beta3.GenericProvider:      newGeneric,
	notifv1beta3.GenericHMACProvider:  newGenericHMAC,
	notifv1beta3.AlertManagerProvider: newAlertmanager,
	notifv1beta3.GitHubProvider:       newGitHub,
	notifv1beta3.GitLabProvider:       newGitLab,
	notifv1beta3.GiteaProvider:        newGitea,
}

// Supported reports whether New can build a notifier for providerType.
func Supported(providerType string) bool {
	_, ok := factories[providerType]
	return ok
}

// New builds the notifier for providerType. The error never contains the address or token.
func New(providerType string, o Options) (Interface, error) {
	f, ok := factories[providerType]
	if !ok {
		return nil, fmt.Errorf("provider type %q is %w", providerType, ErrUnsupported)
	}
	if o.Retry == (Retry{}) {
		o.Retry = DefaultRetry
	}
	return f(o)
}

// requireAddress parses a required http(s) address; errors name only what is wrong.
func requireAddress(o Options) (*url.URL, error) {
	if o.Address == "" {
		return nil, errors.New("no address: set spec.address or the address key of the Secret")
	}
	return parseHTTPURL(o.Address)
}

func parseHTTPURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("invalid address: must be an absolute http or https URL")
	}
	return u, nil
}

// objectName is how Flux names the involved object in messages: "kustomization/webapp.apps".
func objectName(e eventv1.Event) string {
	return fmt.Sprintf("%s/%s.%s", strings.ToLower(e.InvolvedObject.Kind), e.InvolvedObject.Name, e.InvolvedObject.Namespace)
}

// username is the Provider's username or, as in Flux, the event's reporting controller.
func username(o Options, e eventv1.Event) string {
	if o.Username != "" {
		return o.Username
	}
	return e.ReportingController
}

type keyValue struct{ Key, Value string }

// sortedMetadata returns the metadata in key order, so that messages are stable.
func sortedMetadata(e eventv1.Event) []keyValue {
	kv := make([]keyValue, 0, len(e.Metadata))
	for k, v := range e.Metadata {
		kv = append(kv, keyValue{k, v})
	}
	sort.Slice(kv, func(i, j int) bool { return kv[i].Key < kv[j].Key })
	return kv
}

func isError(e eventv1.Event) bool { return e.Severity == eventv1.EventSeverityError }
