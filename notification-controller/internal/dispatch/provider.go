package dispatch

import (
	"context"
	"fmt"
	"net/url"

	"github.com/fluxcd/pkg/runtime/secrets"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	notifv1beta3 "github.com/eddy-gitops/eddy/api/notification/v1beta3"
	"github.com/eddy-gitops/eddy/notification-controller/internal/notifier"
)

// SecretNotFoundError is a referenced Secret that does not exist (yet): the only Provider
// problem that can fix itself without a spec change.
type SecretNotFoundError struct{ Field, Name string }

func (e *SecretNotFoundError) Error() string {
	return fmt.Sprintf("Secret %q referenced by %s not found", e.Name, e.Field)
}

// NotifierOptions resolves a Provider and its Secrets into notifier options. Errors name the
// Secret and key but never a value.
func NotifierOptions(ctx context.Context, c client.Reader, p *notifv1beta3.Provider) (notifier.Options, error) {
	o := notifier.Options{
		Address:     p.Spec.Address,
		Channel:     p.Spec.Channel,
		Username:    p.Spec.Username,
		ProviderUID: string(p.UID),
	}
	if p.Spec.Proxy != "" {
		u, err := url.Parse(p.Spec.Proxy)
		if err != nil || u.Host == "" {
			return o, fmt.Errorf("invalid spec.proxy: must be an absolute URL")
		}
		o.ProxyURL = u
	}
	if ref := p.Spec.SecretRef; ref != nil {
		s, err := getSecret(ctx, c, p.Namespace, ref.Name, "spec.secretRef")
		if err != nil {
			return o, err
		}
		if err := applySecret(&o, s); err != nil {
			return o, err
		}
	}
	if ref := p.Spec.CertSecretRef; ref != nil {
		s, err := getSecret(ctx, c, p.Namespace, ref.Name, "spec.certSecretRef")
		if err != nil {
			return o, err
		}
		tlsConfig, err := secrets.TLSConfigFromSecret(ctx, s)
		if err != nil {
			return o, fmt.Errorf("invalid TLS data in Secret %q (spec.certSecretRef): %w", ref.Name, err)
		}
		o.TLSConfig = tlsConfig
	}
	if ref := p.Spec.ProxySecretRef; ref != nil {
		s, err := getSecret(ctx, c, p.Namespace, ref.Name, "spec.proxySecretRef")
		if err != nil {
			return o, err
		}
		proxy, err := secrets.ProxyURLFromSecret(ctx, s)
		if err != nil {
			return o, fmt.Errorf("invalid proxy in Secret %q (spec.proxySecretRef): %w", ref.Name, err)
		}
		o.ProxyURL = proxy
	}
	return o, nil
}

func getSecret(ctx context.Context, c client.Reader, namespace, name, field string) (*corev1.Secret, error) {
	var s corev1.Secret
	if err := c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, &s); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, &SecretNotFoundError{Field: field, Name: name}
		}
		return nil, fmt.Errorf("reading Secret %q (%s): %w", name, field, err)
	}
	return &s, nil
}

// applySecret reads the secretRef keys: address, token, username, headers (a YAML map), proxy.
func applySecret(o *notifier.Options, s *corev1.Secret) error {
	if v, ok := s.Data["address"]; ok {
		o.Address = string(v)
	}
	if v, ok := s.Data["token"]; ok {
		o.Token = string(v)
	}
	if v, ok := s.Data["username"]; ok && o.Username == "" {
		o.Username = string(v)
	}
	if v, ok := s.Data["headers"]; ok {
		headers := map[string]string{}
		if err := yaml.Unmarshal(v, &headers); err != nil {
			return fmt.Errorf("invalid headers key in Secret %q (spec.secretRef): must be a YAML map of strings", s.Name)
		}
		o.Headers = headers
	}
	if v, ok := s.Data["proxy"]; ok {
		u, err := url.Parse(string(v))
		if err != nil || u.Host == "" {
			return fmt.Errorf("invalid proxy key in Secret %q (spec.secretRef): must be an absolute URL", s.Name)
		}
		o.ProxyURL = u
	}
	return nil
}
