package artifact

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"time"
)

// retryableError marks a failure worth another attempt.
type retryableError struct{ err error }

func (e *retryableError) Error() string { return e.err.Error() }
func (e *retryableError) Unwrap() error { return e.err }

// download fetches u into f, retrying transient failures, and verifies the digest.
func (o options) download(ctx context.Context, u *url.URL, f *os.File, want Digest) error {
	backoff := o.minBackoff
	for attempt := 0; ; attempt++ {
		err := o.downloadOnce(ctx, u, f, want)
		var retry *retryableError
		if err == nil || !errors.As(err, &retry) || attempt >= o.retries {
			if retry != nil {
				return fmt.Errorf("%w (gave up after %d attempts)", retry.err, attempt+1)
			}
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("downloading artifact from %s: %w (last error: %v)", redact(u), ctx.Err(), retry.err)
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, o.maxBackoff)
	}
}

func (o options) downloadOnce(ctx context.Context, u *url.URL, f *os.File, want Digest) error {
	if err := f.Truncate(0); err != nil {
		return err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return err
	}
	resp, err := o.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("downloading artifact from %s: %w", redact(u), ctx.Err())
		}
		return &retryableError{fmt.Errorf("downloading artifact from %s: %w", redact(u), unwrapURLError(err))}
	}
	defer resp.Body.Close()

	switch {
	case resp.StatusCode == http.StatusOK:
	case resp.StatusCode == http.StatusNotFound:
		return fmt.Errorf("%w: %s answered 404", ErrNotFound, redact(u))
	case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests:
		return &retryableError{fmt.Errorf("downloading artifact from %s: server answered %s", redact(u), resp.Status)}
	default:
		return fmt.Errorf("downloading artifact from %s: server answered %s", redact(u), resp.Status)
	}
	if o.maxDownloadSize > 0 && resp.ContentLength > o.maxDownloadSize {
		return fmt.Errorf("%w: %s is %d bytes, the limit is %d", ErrTooLarge, redact(u), resp.ContentLength, o.maxDownloadSize)
	}

	h := want.newHash()
	body := io.Reader(resp.Body)
	if o.maxDownloadSize > 0 {
		body = io.LimitReader(body, o.maxDownloadSize+1)
	}
	n, err := io.Copy(io.MultiWriter(f, h), body)
	if err != nil {
		// A connection cut mid-body is transient.
		return &retryableError{fmt.Errorf("downloading artifact from %s: %w", redact(u), err)}
	}
	if o.maxDownloadSize > 0 && n > o.maxDownloadSize {
		return fmt.Errorf("%w: %s is larger than the limit of %d bytes", ErrTooLarge, redact(u), o.maxDownloadSize)
	}
	got := Digest{Algorithm: want.Algorithm, Hex: fmt.Sprintf("%x", h.Sum(nil))}
	if got != want {
		return fmt.Errorf("%w: %s has digest %s, expected %s", ErrDigestMismatch, redact(u), got, want)
	}
	return nil
}

// unwrapURLError drops the *url.Error wrapper, whose message repeats the (possibly sensitive)
// URL; callers add the redacted URL themselves.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}
