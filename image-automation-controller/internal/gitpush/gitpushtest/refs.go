package gitpushtest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	gogit "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// Tag creates tag on the server pointing at commit: an annotated tag object when annotated,
// else a lightweight tag.
func (s *Server) Tag(t testing.TB, repoPath, tag string, commit plumbing.Hash, annotated bool) {
	t.Helper()
	repo := s.Open(t, repoPath)
	var opts *gogit.CreateTagOptions
	if annotated {
		opts = &gogit.CreateTagOptions{
			Tagger:  &object.Signature{Name: "Release", Email: "release@example.com", When: time.Now()},
			Message: "release " + tag,
		}
	}
	if _, err := repo.CreateTag(tag, commit, opts); err != nil {
		t.Fatal(err)
	}
}

// SetRef points the full reference name (e.g. refs/pull/1/head) at commit on the server.
func (s *Server) SetRef(t testing.TB, repoPath, name string, commit plumbing.Hash) {
	t.Helper()
	repo := s.Open(t, repoPath)
	if err := repo.Storer.SetReference(plumbing.NewHashReference(plumbing.ReferenceName(name), commit)); err != nil {
		t.Fatal(err)
	}
}

// Proxy is a plain HTTP forward proxy on 127.0.0.1 that requires basic proxy credentials and
// counts the requests it forwarded. It stops when the test ends.
func Proxy(t testing.TB, user, pass string) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var forwarded atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		check := &http.Request{Header: http.Header{"Authorization": r.Header.Values("Proxy-Authorization")}}
		if u, p, ok := check.BasicAuth(); !ok || u != user || p != pass {
			w.Header().Set("Proxy-Authenticate", `Basic realm="proxy"`)
			w.WriteHeader(http.StatusProxyAuthRequired)
			return
		}
		out := r.Clone(r.Context())
		out.RequestURI = ""
		out.Header.Del("Proxy-Authorization")
		resp, err := http.DefaultTransport.RoundTrip(out)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		forwarded.Add(1)
		for k, vs := range resp.Header {
			for _, v := range vs {
				w.Header().Add(k, v)
			}
		}
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body)
	}))
	t.Cleanup(srv.Close)
	return srv, &forwarded
}
