package ocitest

import (
	"bytes"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// Registry is a running in-process registry.
type Registry struct {
	Server *httptest.Server
	// Host is "127.0.0.1:<port>", the registry part of image references.
	Host string
	// Username and Password are set when the registry requires basic auth.
	Username, Password string
	// CorruptBlobs, when set, makes the registry flip bytes of every blob it serves.
	CorruptBlobs atomic.Bool
	// CorruptManifests, when set, makes the registry serve garbage instead of manifests.
	CorruptManifests atomic.Bool

	mu       sync.Mutex
	requests map[string]int
}

// Option configures a Registry.
type Option func(*config)

type config struct {
	user, pass string
	tls        bool
}

// WithBasicAuth requires HTTP basic auth with these credentials on every request.
func WithBasicAuth(user, pass string) Option { return func(c *config) { c.user, c.pass = user, pass } }

// WithTLS serves HTTPS with httptest's self-signed certificate (see CAPEM).
func WithTLS() Option { return func(c *config) { c.tls = true } }

// New starts a registry that is closed when the test ends.
func New(t testing.TB, opts ...Option) *Registry {
	t.Helper()
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	r := &Registry{Username: cfg.user, Password: cfg.pass, requests: map[string]int{}}
	h := r.wrap(registry.New(registry.Logger(discardLogger())), cfg)
	r.Server = httptest.NewUnstartedServer(h)
	// Clients that do not trust the test CA are expected; keep their handshake errors quiet.
	r.Server.Config.ErrorLog = discardLogger()
	if cfg.tls {
		r.Server.StartTLS()
	} else {
		r.Server.Start()
	}
	t.Cleanup(r.Server.Close)
	r.Host = strings.TrimPrefix(strings.TrimPrefix(r.Server.URL, "http://"), "https://")
	return r
}

// URL returns the oci:// URL of a repository in this registry.
func (r *Registry) URL(repo string) string { return "oci://" + r.Host + "/" + repo }

// CAPEM returns the PEM of the TLS server certificate (only with WithTLS).
func (r *Registry) CAPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: r.Server.Certificate().Raw})
}

// Requests returns how many requests of a kind ("GET blobs", "HEAD manifests", "GET tags",
// "GET manifests") the registry served.
func (r *Registry) Requests(kind string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.requests[kind]
}

// RemoteOptions are the options to push to and read from this registry directly.
func (r *Registry) RemoteOptions() []remote.Option {
	opts := []remote.Option{remote.WithTransport(r.Server.Client().Transport)}
	if r.Username != "" {
		opts = append(opts, remote.WithAuth(&authn.Basic{Username: r.Username, Password: r.Password}))
	}
	return opts
}

func (r *Registry) wrap(next http.Handler, cfg config) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		kind := requestKind(req)
		r.mu.Lock()
		r.requests[req.Method+" "+kind]++
		r.mu.Unlock()

		if cfg.user != "" {
			u, p, ok := req.BasicAuth()
			if !ok || u != cfg.user || p != cfg.pass {
				w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusUnauthorized)
				_, _ = io.WriteString(w, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`)
				return
			}
		}
		switch {
		case req.Method == http.MethodGet && kind == "blobs" && r.CorruptBlobs.Load():
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, req)
			body := rec.Body.Bytes()
			for i := range body {
				body[i] ^= 0xff
			}
			copyHeader(w, rec)
			_, _ = w.Write(body)
		case req.Method == http.MethodGet && kind == "manifests" && r.CorruptManifests.Load():
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, req)
			body := bytes.Repeat([]byte("{"), rec.Body.Len())
			copyHeader(w, rec)
			_, _ = w.Write(body)
		default:
			next.ServeHTTP(w, req)
		}
	})
}

func copyHeader(w http.ResponseWriter, rec *httptest.ResponseRecorder) {
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
}

func requestKind(req *http.Request) string {
	p := req.URL.Path
	switch {
	case strings.Contains(p, "/blobs/"):
		return "blobs"
	case strings.Contains(p, "/manifests/"):
		return "manifests"
	case strings.HasSuffix(p, "/tags/list"):
		return "tags"
	}
	return "other"
}
