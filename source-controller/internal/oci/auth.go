package oci

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"net/url"

	"github.com/google/go-containerregistry/pkg/authn"
	kauth "github.com/google/go-containerregistry/pkg/authn/kubernetes"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	corev1 "k8s.io/api/core/v1"
)

// KeychainFromSecrets builds a keychain from image pull secrets (kubernetes.io/dockerconfigjson
// or the legacy kubernetes.io/dockercfg). A secret of another type, or without its config key,
// is an error rather than silently anonymous. The error names the Secret, never its data.
func KeychainFromSecrets(ctx context.Context, secrets []corev1.Secret) (authn.Keychain, error) {
	if len(secrets) == 0 {
		// Anonymous: never the controller's own docker config.
		return authn.NewMultiKeychain(), nil
	}
	for _, s := range secrets {
		var key string
		switch s.Type {
		case corev1.SecretTypeDockerConfigJson:
			key = corev1.DockerConfigJsonKey
		case corev1.SecretTypeDockercfg:
			key = corev1.DockerConfigKey
		default:
			return nil, fmt.Errorf("secret '%s/%s' has type '%s', expected '%s'", s.Namespace, s.Name, s.Type, corev1.SecretTypeDockerConfigJson)
		}
		if len(s.Data[key]) == 0 {
			return nil, fmt.Errorf("secret '%s/%s' has no '%s' key", s.Namespace, s.Name, key)
		}
	}
	kc, err := kauth.NewFromPullSecrets(ctx, secrets)
	if err != nil {
		// The JSON error may quote the secret content; do not pass it on.
		return nil, fmt.Errorf("image pull secrets are not valid docker config JSON")
	}
	return kc, nil
}

// Transport returns the HTTP transport for the registry: the given TLS configuration (nil
// means system roots) and proxy (nil means none, not the environment, so that a spec without
// proxySecretRef behaves the same everywhere).
func Transport(tlsConfig *tls.Config, proxy *url.URL) http.RoundTripper {
	t := remote.DefaultTransport.(*http.Transport).Clone()
	if tlsConfig != nil {
		t.TLSClientConfig = tlsConfig
	}
	if proxy != nil {
		t.Proxy = http.ProxyURL(proxy)
	} else {
		t.Proxy = nil
	}
	return t
}

// secureOnly refuses plain-HTTP requests. go-containerregistry falls back to HTTP for loopback
// and private addresses on its own; spec.insecure is the only switch that allows HTTP.
type secureOnly struct{ next http.RoundTripper }

func (s secureOnly) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Scheme != "https" {
		return nil, fmt.Errorf("plain HTTP to %s is not allowed: set spec.insecure to true for registries without TLS", r.URL.Host)
	}
	return s.next.RoundTrip(r)
}
