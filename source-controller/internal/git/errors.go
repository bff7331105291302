package git

import (
	"context"
	"errors"
	"regexp"
	"sort"
	"strings"

	fluxgit "github.com/fluxcd/pkg/git"
	"github.com/go-git/go-git/v5/plumbing/transport"
)

// Kind says what went wrong, so the reconciler can pick a Flux reason and decide whether only a
// spec change can help.
type Kind int

const (
	// KindGeneric is any other failure (network, server error, checkout): retry with backoff.
	KindGeneric Kind = iota
	// KindURLInvalid: the URL cannot be used; only a spec change helps.
	KindURLInvalid
	// KindAuth: credentials are malformed or were rejected, or the host key is not trusted.
	KindAuth
	// KindNotFound: the repository, branch, tag, ref, commit or a tag matching the semver
	// range does not exist on the remote.
	KindNotFound
	// KindEmpty: the remote repository has no commits.
	KindEmpty
	// KindTimeout: the operation did not finish within the timeout.
	KindTimeout
)

// Error is a classified Git failure. Its message never contains credentials.
type Error struct {
	Kind Kind
	Err  error
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// KindOf returns the kind of err (KindGeneric when it is not an *Error).
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindGeneric
}

// classify wraps err into an *Error of the right kind with a masked message.
func classify(err error, opts CloneOptions) error {
	var e *Error
	if errors.As(err, &e) {
		return &Error{Kind: e.Kind, Err: errors.New(Mask(e.Err.Error(), opts.SecretData))}
	}
	return &Error{Kind: kindOf(err), Err: errors.New(Mask(err.Error(), opts.SecretData))}
}

func kindOf(err error) Kind {
	msg := err.Error()
	var notFound fluxgit.ErrRepositoryNotFound
	switch {
	case errors.Is(err, context.DeadlineExceeded) || strings.Contains(msg, "context deadline exceeded"):
		return KindTimeout
	case errors.Is(err, transport.ErrEmptyRemoteRepository) || strings.Contains(msg, transport.ErrEmptyRemoteRepository.Error()):
		return KindEmpty
	case errors.Is(err, transport.ErrAuthenticationRequired), errors.Is(err, transport.ErrAuthorizationFailed),
		containsAny(msg, "authentication required", "authorization failed", "unable to authenticate",
			"knownhosts:", "host key", "unable to construct auth method", "x509:", "tls: "):
		return KindAuth
	case errors.As(err, &notFound), errors.Is(err, transport.ErrRepositoryNotFound),
		containsAny(msg, "couldn't find remote ref", "no match found for semver", "unable to resolve ref",
			"reference not found", "object not found", "repository not found"):
		return KindNotFound
	case containsAny(msg, "semver parse error", "cannot parse url", "invalid path", "Git refs cannot begin or end with a slash"):
		return KindURLInvalid
	}
	return KindGeneric
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// userinfo matches the user[:password]@ part of a URL.
var userinfo = regexp.MustCompile(`(://)[^/@\s]+@`)

// secretKeys are the Secret keys whose values must never appear in a message.
var secretKeys = []string{"password", "bearerToken", "identity", "tls.key"}

// Mask removes credentials from msg: URL user info and the values of the sensitive Secret keys.
func Mask(msg string, secret map[string][]byte) string {
	msg = userinfo.ReplaceAllString(msg, "${1}***@")
	var values []string
	for _, k := range secretKeys {
		// Very short values (e.g. a username "git") would mask ordinary words.
		if v := strings.TrimSpace(string(secret[k])); len(v) >= 4 {
			values = append(values, v)
		}
	}
	// Longest first so that a value containing another is masked whole.
	sort.Slice(values, func(i, j int) bool { return len(values[i]) > len(values[j]) })
	for _, v := range values {
		msg = strings.ReplaceAll(msg, v, "***")
	}
	return msg
}
