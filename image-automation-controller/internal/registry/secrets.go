package registry

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/fluxcd/pkg/runtime/secrets"
	"github.com/google/go-containerregistry/pkg/authn"
	kauth "github.com/google/go-containerregistry/pkg/authn/kubernetes"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	imagev1 "github.com/eddy-gitops/eddy/api/image/v1"
)

// AccessFor reads the Secrets and ServiceAccount that repo names and returns how to reach its
// registry. Every failure is an *AuthError: a missing or malformed Secret is a credential
// problem the user has to fix, and the message names the Secret and key but never its data.
func AccessFor(ctx context.Context, c client.Reader, repo *imagev1.ImageRepository) (Access, error) {
	var a Access
	kc, err := keychain(ctx, c, repo)
	if err != nil {
		return a, &AuthError{Err: err}
	}
	a.Keychain = kc
	if ref := repo.Spec.CertSecretRef; ref != nil {
		s, err := getSecret(ctx, c, repo.Namespace, ref.Name)
		if err != nil {
			return a, &AuthError{Err: fmt.Errorf("certSecretRef: %w", err)}
		}
		if a.TLS, err = secrets.TLSConfigFromSecret(ctx, s); err != nil {
			return a, &AuthError{Err: fmt.Errorf("certSecretRef: invalid TLS data in secret '%s/%s': %w", s.Namespace, s.Name, err)}
		}
	}
	if ref := repo.Spec.ProxySecretRef; ref != nil {
		s, err := getSecret(ctx, c, repo.Namespace, ref.Name)
		if err != nil {
			return a, &AuthError{Err: fmt.Errorf("proxySecretRef: %w", err)}
		}
		if a.Proxy, err = secrets.ProxyURLFromSecret(ctx, s); err != nil {
			return a, &AuthError{Err: fmt.Errorf("proxySecretRef: %w", err)}
		}
	}
	return a, nil
}

// keychain gathers the pull secrets of spec.secretRef and of spec.serviceAccountName.
func keychain(ctx context.Context, c client.Reader, repo *imagev1.ImageRepository) (authn.Keychain, error) {
	var pull []corev1.Secret
	if ref := repo.Spec.SecretRef; ref != nil {
		s, err := getSecret(ctx, c, repo.Namespace, ref.Name)
		if err != nil {
			return nil, fmt.Errorf("secretRef: %w", err)
		}
		if err := normalizePullSecret(s); err != nil {
			return nil, fmt.Errorf("secretRef: %w", err)
		}
		pull = append(pull, *s)
	}
	if sa := repo.Spec.ServiceAccountName; sa != "" {
		var acct corev1.ServiceAccount
		if err := c.Get(ctx, types.NamespacedName{Namespace: repo.Namespace, Name: sa}, &acct); err != nil {
			return nil, fmt.Errorf("serviceAccountName: cannot get ServiceAccount '%s/%s': %w", repo.Namespace, sa, err)
		}
		for _, ips := range acct.ImagePullSecrets {
			s, err := getSecret(ctx, c, repo.Namespace, ips.Name)
			if err != nil {
				return nil, fmt.Errorf("imagePullSecrets of ServiceAccount '%s/%s': %w", repo.Namespace, sa, err)
			}
			if err := normalizePullSecret(s); err != nil {
				return nil, fmt.Errorf("imagePullSecrets of ServiceAccount '%s/%s': %w", repo.Namespace, sa, err)
			}
			pull = append(pull, *s)
		}
	}
	if len(pull) == 0 {
		return nil, nil
	}
	return kauth.NewFromPullSecrets(ctx, pull)
}

func getSecret(ctx context.Context, c client.Reader, namespace, name string) (*corev1.Secret, error) {
	var s corev1.Secret
	if err := c.Get(ctx, types.NamespacedName{Namespace: namespace, Name: name}, &s); err != nil {
		return nil, fmt.Errorf("cannot get secret '%s/%s': %w", namespace, name, err)
	}
	return &s, nil
}

// normalizePullSecret checks that s holds a Docker config and sets its type from the key found,
// so an Opaque Secret with a `.dockerconfigjson` key works too. The JSON is parsed here to give
// an error that names the Secret without quoting its content.
func normalizePullSecret(s *corev1.Secret) error {
	var probe map[string]json.RawMessage
	switch {
	case len(s.Data[corev1.DockerConfigJsonKey]) > 0:
		if json.Unmarshal(s.Data[corev1.DockerConfigJsonKey], &probe) != nil {
			return fmt.Errorf("secret '%s/%s': key '%s' is not valid JSON", s.Namespace, s.Name, corev1.DockerConfigJsonKey)
		}
		s.Type = corev1.SecretTypeDockerConfigJson
	case len(s.Data[corev1.DockerConfigKey]) > 0:
		if json.Unmarshal(s.Data[corev1.DockerConfigKey], &probe) != nil {
			return fmt.Errorf("secret '%s/%s': key '%s' is not valid JSON", s.Namespace, s.Name, corev1.DockerConfigKey)
		}
		s.Type = corev1.SecretTypeDockercfg
	default:
		return fmt.Errorf("secret '%s/%s' has no '%s' key (create it with `kubectl create secret docker-registry`)",
			s.Namespace, s.Name, corev1.DockerConfigJsonKey)
	}
	return nil
}
