package receiver

import (
	"context"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	notifv1 "github.com/eddy-gitops/eddy/api/notification/v1"
)

// TokenKey is the Secret key holding a Receiver's token.
const TokenKey = "token"

// ErrTokenNotFound means the Receiver's Secret or its token key does not exist (yet).
var ErrTokenNotFound = errors.New("token not found")

// Token reads the Receiver's token from spec.secretRef. Receivers that need none (generic-oidc)
// get "". Secrets are read with an uncached reader so that the controller never caches every
// Secret of the cluster. Errors never contain Secret data.
func Token(ctx context.Context, reader client.Reader, rcv *notifv1.Receiver) (string, error) {
	if rcv.Spec.Type == notifv1.GenericOIDCReceiver {
		return "", nil
	}
	if rcv.Spec.SecretRef == nil || rcv.Spec.SecretRef.Name == "" {
		return "", fmt.Errorf("%w: spec.secretRef is not set", ErrTokenNotFound)
	}
	var secret corev1.Secret
	key := client.ObjectKey{Namespace: rcv.Namespace, Name: rcv.Spec.SecretRef.Name}
	if err := reader.Get(ctx, key, &secret); err != nil {
		if apierrors.IsNotFound(err) {
			return "", fmt.Errorf("%w: Secret '%s' does not exist", ErrTokenNotFound, key)
		}
		return "", fmt.Errorf("reading Secret '%s': %w", key, err)
	}
	token, ok := secret.Data[TokenKey]
	if !ok || len(token) == 0 {
		return "", fmt.Errorf("%w: Secret '%s' has no '%s' key", ErrTokenNotFound, key, TokenKey)
	}
	return string(token), nil
}
