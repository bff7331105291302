// Package registrytest runs real OCI registries for tests: go-containerregistry's in-process
// registry on an httptest server, optionally behind basic auth or TLS, plus helpers to push
// images. The registry, imagerepository and imagepolicy tests share it.
package registrytest

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// TLSHost is the host name under which a TLS registry is reached: the httptest certificate is
// valid for it, and go-containerregistry would use plain HTTP for a loopback address.
const TLSHost = "example.com"

// Server is a running registry.
type Server struct {
	// Host is host:port to use in image names.
	Host string
	// Username and Password are the accepted credentials when the server has basic auth.
	Username, Password string
	// CAPEM is the PEM CA certificate of a TLS server.
	CAPEM []byte
	// Dial connects TLSHost:port to the server (nil for plain HTTP servers).
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)

	srv *httptest.Server
}

// Options select the kind of registry.
type Options struct {
	// BasicAuth requires these credentials ("user:password") for every request.
	BasicAuth string
	// TLS serves HTTPS with httptest's certificate.
	TLS bool
	// Handler replaces the registry (e.g. a broken one); BasicAuth still applies.
	Handler http.Handler
}

// New starts a registry that stops when the test ends.
func New(t testing.TB, o Options) *Server {
	t.Helper()
	h := o.Handler
	if h == nil {
		h = registry.New(registry.Logger(nilLogger()))
	}
	s := &Server{}
	if o.BasicAuth != "" {
		s.Username, s.Password, _ = strings.Cut(o.BasicAuth, ":")
		h = basicAuth(s.Username, s.Password, h)
	}
	if o.TLS {
		s.srv = httptest.NewTLSServer(h)
		s.CAPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.srv.Certificate().Raw})
		_, port, _ := net.SplitHostPort(s.srv.Listener.Addr().String())
		s.Host = TLSHost + ":" + port
		target := s.srv.Listener.Addr().String()
		s.Dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
			if addr == s.Host {
				addr = target
			}
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		}
	} else {
		s.srv = httptest.NewServer(h)
		s.Host = strings.TrimPrefix(s.srv.URL, "http://")
	}
	t.Cleanup(s.srv.Close)
	return s
}

// CertPool returns a pool trusting a TLS server.
func (s *Server) CertPool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(s.srv.Certificate())
	return p
}

// DockerConfigJSON returns a `.dockerconfigjson` document with the server's credentials.
func (s *Server) DockerConfigJSON() []byte {
	return fmt.Appendf(nil, `{"auths":{%q:{"username":%q,"password":%q}}}`, s.Host, s.Username, s.Password)
}

// Push writes a small random image as repo:tag for each tag and returns the digests by tag.
func (s *Server) Push(t testing.TB, repo string, tags ...string) map[string]string {
	t.Helper()
	img, err := random.Image(64, 1)
	if err != nil {
		t.Fatal(err)
	}
	opts := []remote.Option{remote.WithContext(t.Context())}
	if s.Username != "" {
		opts = append(opts, remote.WithAuth(&authn.Basic{Username: s.Username, Password: s.Password}))
	}
	if s.Dial != nil {
		tr := remote.DefaultTransport.(*http.Transport).Clone()
		tr.DialContext = s.Dial
		tr.TLSClientConfig.RootCAs = s.CertPool()
		opts = append(opts, remote.WithTransport(tr))
	}
	digests := map[string]string{}
	d, _ := img.Digest()
	for _, tag := range tags {
		ref, err := name.NewTag(s.Host + "/" + repo + ":" + tag)
		if err != nil {
			t.Fatal(err)
		}
		if err := remote.Write(ref, img, opts...); err != nil {
			t.Fatalf("pushing %s: %v", ref, err)
		}
		digests[tag] = d.String()
	}
	return digests
}

func basicAuth(user, pass string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, ok := r.BasicAuth()
		if !ok || u != user || p != pass {
			w.Header().Set("WWW-Authenticate", `Basic realm="registrytest"`)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`))
			return
		}
		next.ServeHTTP(w, r)
	})
}
