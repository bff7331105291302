package artifact

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// ErrNotFound is returned (wrapped) when the artifact server answers 404: the artifact was
// garbage-collected or its source is gone. Callers should wait for the source to publish a new
// artifact rather than retry the same URL.
var ErrNotFound = errors.New("artifact not found")

// ErrDigestMismatch is returned (wrapped) when the downloaded bytes do not match the digest.
var ErrDigestMismatch = errors.New("artifact digest mismatch")

// ErrTooLarge is returned (wrapped) when the download or the extracted content exceeds the
// configured limits.
var ErrTooLarge = errors.New("artifact exceeds size limit")

// Environment variables that redirect artifact URLs to a local address, as in Flux.
const (
	EnvSourceControllerLocalhost = "SOURCE_CONTROLLER_LOCALHOST"
	EnvSourceWatcherLocalhost    = "SOURCE_WATCHER_LOCALHOST"
)

// Option configures Fetch.
type Option func(*options)

type options struct {
	client           *http.Client
	maxDownloadSize  int64
	maxExtractedSize int64
	retries          int
	minBackoff       time.Duration
	maxBackoff       time.Duration
	getenv           func(string) string
}

func defaultOptions() options {
	return options{
		client:     &http.Client{Timeout: 5 * time.Minute},
		retries:    4,
		minBackoff: 500 * time.Millisecond,
		maxBackoff: 10 * time.Second,
		getenv:     os.Getenv,
	}
}

// WithHTTPClient sets the HTTP client (default: a client with a 5 minute timeout).
func WithHTTPClient(c *http.Client) Option { return func(o *options) { o.client = c } }

// WithMaxDownloadSize limits the size of the downloaded tarball in bytes (<= 0: unlimited, the
// default).
func WithMaxDownloadSize(n int64) Option { return func(o *options) { o.maxDownloadSize = n } }

// WithMaxExtractedSize limits the total size of the extracted files in bytes (<= 0: unlimited,
// the default).
func WithMaxExtractedSize(n int64) Option { return func(o *options) { o.maxExtractedSize = n } }

// WithRetries sets how many times a 5xx, 429 or network failure is retried (default 4), and
// the backoff bounds between attempts (default 500ms doubling up to 10s).
func WithRetries(n int, minBackoff, maxBackoff time.Duration) Option {
	return func(o *options) {
		o.retries, o.minBackoff, o.maxBackoff = n, minBackoff, maxBackoff
	}
}

// Fetch downloads the artifact at rawURL, verifies it against digest and extracts it into dir.
// dir must not exist or be empty; it is populated atomically. See the package documentation
// for the guarantees.
func Fetch(ctx context.Context, rawURL, digest, dir string, opts ...Option) error {
	o := defaultOptions()
	for _, opt := range opts {
		opt(&o)
	}
	want, err := ParseDigest(digest)
	if err != nil {
		return err
	}
	u, err := o.resolveURL(rawURL)
	if err != nil {
		return err
	}
	if err := checkTarget(dir); err != nil {
		return err
	}
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o750); err != nil {
		return err
	}

	tmp, err := os.CreateTemp(parent, ".artifact-*.tar.gz")
	if err != nil {
		return err
	}
	defer func() {
		tmp.Close()
		os.Remove(tmp.Name())
	}()
	if err := o.download(ctx, u, tmp, want); err != nil {
		return err
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return err
	}

	staging, err := os.MkdirTemp(parent, ".artifact-extract-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(staging)
	if err := extract(tmp, staging, o.maxExtractedSize); err != nil {
		return fmt.Errorf("extracting artifact from %s: %w", redact(u), err)
	}
	return moveInto(staging, dir)
}

// resolveURL parses the URL and applies the localhost overrides.
func (o options) resolveURL(rawURL string) (*url.URL, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("invalid artifact URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("invalid artifact URL %q: scheme must be http or https", redact(u))
	}
	if strings.Contains(rawURL, "//source-watcher") {
		if h := o.getenv(EnvSourceWatcherLocalhost); h != "" {
			u.Host = h
			return u, nil
		}
	}
	if h := o.getenv(EnvSourceControllerLocalhost); h != "" {
		u.Host = h
	}
	return u, nil
}

// checkTarget accepts a missing or empty directory.
func checkTarget(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("target directory: %w", err)
	case len(entries) > 0:
		return fmt.Errorf("target directory %s is not empty: %w", dir, os.ErrExist)
	}
	return nil
}

// moveInto renames the staging directory to dir, replacing dir if it is an empty directory.
// When another Fetch filled dir in the meantime, the error wraps os.ErrExist and dir keeps the
// other tree.
func moveInto(staging, dir string) error {
	if err := checkTarget(dir); err != nil {
		return err
	}
	err := os.Remove(dir)
	if err == nil || errors.Is(err, os.ErrNotExist) {
		err = os.Rename(staging, dir)
	}
	switch {
	case err == nil:
		return nil
	case errors.Is(err, syscall.ENOTEMPTY) || errors.Is(err, syscall.EEXIST):
		return fmt.Errorf("target directory %s was filled concurrently: %w", dir, os.ErrExist)
	default:
		return fmt.Errorf("moving extracted artifact into place: %w", err)
	}
}

// redact hides credentials that a URL might carry.
func redact(u *url.URL) string { return u.Redacted() }
