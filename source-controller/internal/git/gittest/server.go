package gittest

import (
	"io"
	"log"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fluxcd/pkg/gittestserver"
	fluxssh "github.com/fluxcd/pkg/ssh"
)

// Server is a real Git server (fluxcd/pkg/gittestserver: git-upload-pack behind smart HTTP and
// SSH) over a temporary directory.
type Server struct {
	*gittestserver.GitServer
	// UploadPacks counts POST .../git-upload-pack requests: the fetches after a ref
	// advertisement. The no-change path makes none.
	UploadPacks atomic.Int64
	// Advertisements counts GET .../info/refs requests.
	Advertisements atomic.Int64
	// BytesSent counts response body bytes of all requests.
	BytesSent atomic.Int64
}

// NewServer starts an HTTP Git server; with username set, basic auth is required (HTTP and
// SSH). It stops when the test ends.
func NewServer(t testing.TB, username, password string) *Server {
	t.Helper()
	return newServer(t, username, password)
}

// NewBearerServer starts an HTTP Git server that requires `Authorization: Bearer <token>`, as
// Git hosts with access tokens do, and answers anything else with 401.
func NewBearerServer(t testing.TB, token string) *Server {
	t.Helper()
	return newServer(t, "", "", func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") != "Bearer "+token {
				w.Header().Set("WWW-Authenticate", `Bearer realm="git"`)
				http.Error(w, "unauthorized", http.StatusUnauthorized)
				return
			}
			next.ServeHTTP(w, r)
		})
	})
}

func newServer(t testing.TB, username, password string, middlewares ...gittestserver.HTTPMiddleware) *Server {
	t.Helper()
	root := t.TempDir()
	// gitkit logs every request with the standard logger; keep test output readable.
	log.SetOutput(io.Discard)
	s := &Server{GitServer: gittestserver.NewGitServer(root)}
	if username != "" {
		s.Auth(username, password)
	}
	s.AddHTTPMiddlewares(append([]gittestserver.HTTPMiddleware{s.count}, middlewares...)...)
	if err := s.StartHTTP(); err != nil {
		t.Fatalf("starting the Git HTTP server: %v", err)
	}
	t.Cleanup(s.StopHTTP)
	return s
}

// StartSSHServer serves the same repositories over SSH and returns the known_hosts line of the
// server's host key.
func (s *Server) StartSSHServer(t testing.TB) []byte {
	t.Helper()
	s.KeyDir(filepath.Join(s.Root(), ".ssh-host-keys"))
	if err := s.ListenSSH(); err != nil {
		t.Fatalf("listening for SSH: %v", err)
	}
	go func() { _ = s.GitServer.StartSSH() }()
	t.Cleanup(func() { _ = s.StopSSH() })
	host := strings.TrimPrefix(s.SSHAddress(), "ssh://git@")
	var knownHosts []byte
	var err error
	for range 50 { // the listener is up; the host key is generated when serving starts
		if knownHosts, err = fluxssh.ScanHostKey(host, 5*time.Second, nil, false); err == nil {
			return knownHosts
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("scanning the SSH host key of %s: %v", host, err)
	return nil
}

// RepoURL is the HTTP URL of repository name.
func (s *Server) RepoURL(name string) string { return s.HTTPAddress() + "/" + name }

// SSHRepoURL is the SSH URL of repository name.
func (s *Server) SSHRepoURL(name string) string { return s.SSHAddress() + "/" + name }

// ResetCounters zeroes the request and byte counters.
func (s *Server) ResetCounters() {
	s.UploadPacks.Store(0)
	s.Advertisements.Store(0)
	s.BytesSent.Store(0)
}

func (s *Server) count(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/git-upload-pack"):
			s.UploadPacks.Add(1)
		case strings.HasSuffix(r.URL.Path, "/info/refs"):
			s.Advertisements.Add(1)
		}
		next.ServeHTTP(&countingWriter{ResponseWriter: w, n: &s.BytesSent}, r)
	})
}

type countingWriter struct {
	http.ResponseWriter
	n *atomic.Int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.ResponseWriter.Write(p)
	c.n.Add(int64(n))
	return n, err
}

func (c *countingWriter) Flush() {
	if f, ok := c.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// SSHKeyPair generates an ed25519 client key: the PEM private key and the public key.
func SSHKeyPair(t testing.TB) (private, public []byte) {
	t.Helper()
	kp, err := fluxssh.GenerateKeyPair(fluxssh.ED25519)
	if err != nil {
		t.Fatal(err)
	}
	return kp.PrivateKey, kp.PublicKey
}

// ClosedPort returns an address on 127.0.0.1 where nothing listens.
func ClosedPort(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}
