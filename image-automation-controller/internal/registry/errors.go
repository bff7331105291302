package registry

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// AuthError means the registry refused the credentials (or their absence), or they could not be
// obtained. Reconcilers report it as AuthenticationFailed.
type AuthError struct{ Err error }

func (e *AuthError) Error() string { return e.Err.Error() }
func (e *AuthError) Unwrap() error { return e.Err }

// IsAuthError tells authentication failures apart from other read failures.
func IsAuthError(err error) bool {
	var a *AuthError
	return errors.As(err, &a)
}

func isAuthStatus(code int) bool {
	return code == http.StatusUnauthorized || code == http.StatusForbidden
}

// classify wraps err with what was being done, marks authentication failures and removes any
// proxy credential the error text might carry.
func classify(doing string, err error, a Access) error {
	msg := redact(err.Error(), a)
	var terr *transport.Error
	if errors.As(err, &terr) && isAuthStatus(terr.StatusCode) {
		return &AuthError{Err: fmt.Errorf("%s: authentication failed (HTTP %d): %s", doing, terr.StatusCode, msg)}
	}
	if strings.Contains(msg, "invalid character") || strings.Contains(msg, "cannot unmarshal") {
		return fmt.Errorf("%s: the registry returned a malformed response: %s", doing, msg)
	}
	return fmt.Errorf("%s: %s", doing, msg)
}

// redact removes the proxy's user information from msg: Go's HTTP client can echo the proxy URL
// in connection errors.
func redact(msg string, a Access) string {
	if a.Proxy == nil || a.Proxy.User == nil {
		return msg
	}
	if pw, ok := a.Proxy.User.Password(); ok && pw != "" {
		msg = strings.ReplaceAll(msg, pw, "*****")
	}
	return strings.ReplaceAll(msg, a.Proxy.User.String()+"@", "")
}
