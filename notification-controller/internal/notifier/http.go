package notifier

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/hashicorp/go-retryablehttp"
)

// maxErrorBody is how much of a failed response's body goes into the error.
const maxErrorBody = 512

// sender is the HTTP client every notifier uses.
type sender struct {
	client *retryablehttp.Client
	// secrets are strings that must never appear in an error (address, token, header values).
	secrets []string
}

// sharedTransport serves every notifier without its own TLS or proxy settings, so connections
// to the same endpoint are reused across events instead of piling up per notifier.
var sharedTransport = func() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	// Many Alerts often point at the same endpoint; the default of 2 idle connections per host
	// would make bursts open and close a connection per delivery.
	t.MaxIdleConnsPerHost = 64
	return t
}()

func newSender(o Options) *sender {
	transport := sharedTransport
	if o.TLSConfig != nil || o.ProxyURL != nil {
		// A notifier is built per delivery; a private transport must not keep idle
		// connections that nobody will reuse.
		transport = http.DefaultTransport.(*http.Transport).Clone()
		transport.DisableKeepAlives = true
		if o.TLSConfig != nil {
			transport.TLSClientConfig = o.TLSConfig.Clone()
		}
		if o.ProxyURL != nil {
			transport.Proxy = http.ProxyURL(o.ProxyURL)
		}
	}
	// Built directly rather than with retryablehttp.NewClient, which allocates a pooled
	// transport that would be thrown away: a notifier is built per delivery.
	c := &retryablehttp.Client{
		HTTPClient:   &http.Client{Transport: transport},
		RetryMax:     o.Retry.Max,
		RetryWaitMin: o.Retry.WaitMin,
		RetryWaitMax: o.Retry.WaitMax,
		CheckRetry:   retryablehttp.DefaultRetryPolicy,
		Backoff:      retryablehttp.DefaultBackoff,
		// Hand back the last response or error ourselves: retryablehttp's own "giving up"
		// error quotes the URL, and the URL can be the credential.
		ErrorHandler: retryablehttp.PassthroughErrorHandler,
	}

	s := &sender{client: c}
	for _, v := range []string{o.Address, o.Token} {
		s.addSecret(v)
	}
	if u, err := url.Parse(o.Address); err == nil {
		s.addSecret(u.Path)
		s.addSecret(u.RawQuery)
	}
	for _, v := range o.Headers {
		s.addSecret(v)
	}
	return s
}

func (s *sender) addSecret(v string) {
	// Very short strings ("/", "a") are not worth masking and would mangle every message.
	if len(v) >= 4 {
		s.secrets = append(s.secrets, v)
	}
}

// request describes one HTTP call.
type request struct {
	method  string
	url     string
	body    []byte
	headers map[string]string
	// check inspects a 2xx response body (e.g. Slack's {ok,error}); nil accepts any 2xx.
	check func(body []byte) error
}

// do sends the request with retries. Errors name the target as scheme://host only.
func (s *sender) do(ctx context.Context, r request) error {
	target := redactURL(r.url)
	req, err := retryablehttp.NewRequestWithContext(ctx, r.method, r.url, bytes.NewReader(r.body))
	if err != nil {
		return fmt.Errorf("building the request to %s failed", target)
	}
	if r.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range r.headers {
		req.Header.Set(k, v)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s failed: %s", r.method, target, s.mask(cause(err)))
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20)) // lets the connection be reused
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("%s %s failed with status %s: %s", r.method, target, resp.Status, s.mask(truncate(string(body))))
	}
	if r.check != nil {
		if err := r.check(body); err != nil {
			return fmt.Errorf("%s %s: %s", r.method, target, s.mask(err.Error()))
		}
	}
	return nil
}

// cause strips url.Error's "Post \"<url>\": " prefix, which quotes the full URL.
func cause(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}

func (s *sender) mask(msg string) string {
	for _, secret := range s.secrets {
		msg = strings.ReplaceAll(msg, secret, "***")
	}
	return msg
}

func truncate(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > maxErrorBody {
		return s[:maxErrorBody] + "..."
	}
	return s
}

// redactURL keeps scheme and host: paths and queries of webhook URLs are often the secret.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "<invalid URL>"
	}
	return u.Scheme + "://" + u.Host
}
