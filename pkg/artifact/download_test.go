package artifact

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
)

func TestFetch_download(t *testing.T) {
	body := tarGz(t, file("k.yaml", "k"))
	tests := []struct {
		name         string
		digest       string
		failures     int32
		failStatus   int
		opts         []Option
		wantRequests int32
		wantErr      string
		wantErrIs    error
	}{
		{name: "sha256 digest", digest: sha256Of(body), wantRequests: 1},
		{name: "bare hex means sha256", digest: strings.TrimPrefix(sha256Of(body), "sha256:"), wantRequests: 1},
		{name: "sha384 digest", digest: sha384Of(body), wantRequests: 1},
		{name: "sha512 digest", digest: sha512Of(body), wantRequests: 1},
		{name: "upper-case hex", digest: "sha256:" + strings.ToUpper(strings.TrimPrefix(sha256Of(body), "sha256:")), wantRequests: 1},
		{
			name: "digest mismatch", digest: sha256Of([]byte("other")),
			wantRequests: 1, wantErrIs: ErrDigestMismatch,
		},
		{
			name: "unsupported algorithm is refused before downloading", digest: "md5:d41d8cd98f00b204e9800998ecf8427e",
			wantRequests: 0, wantErr: `unsupported digest algorithm "md5"`,
		},
		{
			name: "truncated digest is refused", digest: "sha256:abcd",
			wantRequests: 0, wantErr: "want 64 hex characters",
		},
		{
			name: "404 is ErrNotFound without retry", digest: sha256Of(body), failures: 100, failStatus: 404,
			opts: []Option{fastRetries()}, wantRequests: 1, wantErrIs: ErrNotFound,
		},
		{
			name: "403 fails without retry", digest: sha256Of(body), failures: 100, failStatus: 403,
			opts: []Option{fastRetries()}, wantRequests: 1, wantErr: "403 Forbidden",
		},
		{
			name: "5xx is retried until success", digest: sha256Of(body), failures: 2, failStatus: 503,
			opts: []Option{fastRetries()}, wantRequests: 3,
		},
		{
			name: "429 is retried until success", digest: sha256Of(body), failures: 1, failStatus: 429,
			opts: []Option{fastRetries()}, wantRequests: 2,
		},
		{
			name: "5xx retries are bounded", digest: sha256Of(body), failures: 100, failStatus: 500,
			opts: []Option{fastRetries()}, wantRequests: 4, wantErr: "gave up after 4 attempts",
		},
		{
			name: "download size limit from Content-Length", digest: sha256Of(body),
			opts: []Option{WithMaxDownloadSize(int64(len(body) - 1))}, wantRequests: 1, wantErrIs: ErrTooLarge,
		},
		{
			name: "download size limit at the exact size", digest: sha256Of(body),
			opts: []Option{WithMaxDownloadSize(int64(len(body)))}, wantRequests: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			srv := newArtifactServer(t, body, tt.failures, tt.failStatus)
			target := filepath.Join(t.TempDir(), "out")
			err := Fetch(t.Context(), srv.URL+"/ocirepository/ns/name/abc.tar.gz", tt.digest, target, tt.opts...)
			g.Expect(srv.requests.Load()).To(Equal(tt.wantRequests))
			if tt.wantErr != "" || tt.wantErrIs != nil {
				g.Expect(err).To(HaveOccurred())
				if tt.wantErr != "" {
					g.Expect(err.Error()).To(ContainSubstring(tt.wantErr))
				}
				if tt.wantErrIs != nil {
					g.Expect(err).To(MatchError(tt.wantErrIs))
				}
				g.Expect(target).NotTo(BeADirectory())
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(tree(t, target)).To(Equal([]string{"k.yaml=k"}))
		})
	}
}

// A chunked response has no Content-Length; the limit must still hold while streaming.
func TestFetch_downloadLimitWithoutContentLength(t *testing.T) {
	g := NewWithT(t)
	body := tarGz(t, file("k.yaml", strings.Repeat("k", 4096)))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.(http.Flusher).Flush() // forces chunked encoding
		_, _ = w.Write(body)
	}))
	defer srv.Close()
	err := Fetch(t.Context(), srv.URL+"/a.tar.gz", sha256Of(body), filepath.Join(t.TempDir(), "out"),
		WithMaxDownloadSize(int64(len(body)-1)))
	g.Expect(err).To(MatchError(ErrTooLarge))
}

func TestFetch_unreachableIsRetriedThenFails(t *testing.T) {
	g := NewWithT(t)
	srv := httptest.NewServer(http.NotFoundHandler())
	addr := srv.URL
	srv.Close() // nothing listens there any more
	err := Fetch(t.Context(), addr+"/a.tar.gz", sha256Of(nil), filepath.Join(t.TempDir(), "out"), fastRetries())
	g.Expect(err).To(MatchError(ContainSubstring("gave up after 4 attempts")))
	g.Expect(err).To(MatchError(ContainSubstring("connection refused")))
}

func TestFetch_localhostOverride(t *testing.T) {
	body := tarGz(t, file("k.yaml", "k"))
	srv := newArtifactServer(t, body, 0, 0)
	host := strings.TrimPrefix(srv.URL, "http://")
	tests := []struct {
		name string
		url  string
		env  map[string]string
	}{
		{
			name: "source-controller host replaced",
			url:  "http://source-controller.flux-system.svc.cluster.local./gitrepository/ns/n/a.tar.gz",
			env:  map[string]string{EnvSourceControllerLocalhost: host},
		},
		{
			name: "source-watcher host replaced",
			url:  "http://source-watcher.flux-system.svc.cluster.local./externalartifact/ns/n/a.tar.gz",
			env:  map[string]string{EnvSourceWatcherLocalhost: host, EnvSourceControllerLocalhost: "127.0.0.1:1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			target := filepath.Join(t.TempDir(), "out")
			g.Expect(Fetch(t.Context(), tt.url, sha256Of(body), target, fastRetries())).To(Succeed())
			g.Expect(tree(t, target)).To(Equal([]string{"k.yaml=k"}))
		})
	}
}

func TestFetch_credentialsInURLAreMasked(t *testing.T) {
	g := NewWithT(t)
	srv := newArtifactServer(t, nil, 100, http.StatusNotFound)
	u, _ := url.Parse(srv.URL + "/a.tar.gz")
	u.User = url.UserPassword("user", "s3cr3t")
	err := Fetch(t.Context(), u.String(), sha256Of(nil), filepath.Join(t.TempDir(), "out"))
	g.Expect(err).To(MatchError(ErrNotFound))
	g.Expect(err.Error()).NotTo(ContainSubstring("s3cr3t"))
}

func TestFetch_invalidURL(t *testing.T) {
	g := NewWithT(t)
	err := Fetch(t.Context(), "ftp://example.com/a.tar.gz", sha256Of(nil), filepath.Join(t.TempDir(), "out"))
	g.Expect(err).To(MatchError(ContainSubstring("scheme must be http or https")))
}

func TestDirFor(t *testing.T) {
	g := NewWithT(t)
	d, err := ParseDigest("SHA256-not-valid")
	g.Expect(err).To(HaveOccurred())
	d, err = ParseDigest("sha512:" + strings.Repeat("ab", 64))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(DirFor("/cache", d)).To(Equal(filepath.Join("/cache", "sha512", strings.Repeat("ab", 64))))
	g.Expect(d.String()).To(Equal("sha512:" + strings.Repeat("ab", 64)))
}
