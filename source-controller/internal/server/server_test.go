package server

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-logr/logr"
	. "github.com/onsi/gomega"
)

// newStorageDir lays out a storage directory like the artifact storage does, plus hostile
// entries: a symlink pointing outside the root and a secret next to the root.
func newStorageDir(t *testing.T) (root string) {
	t.Helper()
	parent := t.TempDir()
	root = filepath.Join(parent, "data")
	dir := filepath.Join(root, "ocirepository", "default", "podinfo")
	must(t, os.MkdirAll(dir, 0o755))
	must(t, os.WriteFile(filepath.Join(dir, "abc.tar.gz"), []byte("artifact-content"), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "abc.tar.gz.lock"), nil, 0o644))
	must(t, os.Symlink(filepath.Join(dir, "abc.tar.gz"), filepath.Join(dir, "latest.tar.gz")))
	must(t, os.WriteFile(filepath.Join(parent, "secret.txt"), []byte("top-secret"), 0o644))
	must(t, os.Symlink(filepath.Join(parent, "secret.txt"), filepath.Join(dir, "escape.tar.gz")))
	must(t, os.Symlink("../../../../secret.txt", filepath.Join(dir, "relescape.tar.gz")))
	return root
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// rawGet sends the request line exactly as given, bypassing the client's path cleaning, so
// that traversal attempts reach the handler unmodified.
func rawRequest(t *testing.T, addr, method, target string) (int, string) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	must(t, err)
	defer conn.Close()
	_, err = io.WriteString(conn, method+" "+target+" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	must(t, err)
	resp, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: method})
	must(t, err)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func TestHandler(t *testing.T) {
	root := newStorageDir(t)
	h, err := Handler(root)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")

	tests := []struct {
		name     string
		method   string
		target   string
		wantCode int
		wantBody string
	}{
		{"GET artifact", http.MethodGet, "/ocirepository/default/podinfo/abc.tar.gz", 200, "artifact-content"},
		{"HEAD artifact has no body", http.MethodHead, "/ocirepository/default/podinfo/abc.tar.gz", 200, ""},
		{"GET latest symlink inside root", http.MethodGet, "/ocirepository/default/podinfo/latest.tar.gz", 200, "artifact-content"},
		{"POST refused", http.MethodPost, "/ocirepository/default/podinfo/abc.tar.gz", 405, ""},
		{"PUT refused", http.MethodPut, "/ocirepository/default/podinfo/abc.tar.gz", 405, ""},
		{"DELETE refused", http.MethodDelete, "/ocirepository/default/podinfo/abc.tar.gz", 405, ""},
		{"missing file", http.MethodGet, "/ocirepository/default/podinfo/nope.tar.gz", 404, ""},
		{"root is not listed", http.MethodGet, "/", 404, ""},
		{"directory is not listed", http.MethodGet, "/ocirepository/default/podinfo/", 404, ""},
		{"directory without slash is not listed", http.MethodGet, "/ocirepository/default", 404, ""},
		{"lock files are internal", http.MethodGet, "/ocirepository/default/podinfo/abc.tar.gz.lock", 404, ""},
		{"plain traversal", http.MethodGet, "/../secret.txt", 404, ""},
		{"nested traversal", http.MethodGet, "/ocirepository/../../secret.txt", 404, ""},
		{"encoded traversal", http.MethodGet, "/%2e%2e/secret.txt", 404, ""},
		{"encoded slash traversal", http.MethodGet, "/ocirepository%2f..%2f..%2fsecret.txt", 404, ""},
		{"backslash traversal", http.MethodGet, "/..%5csecret.txt", 404, ""},
		{"NUL byte", http.MethodGet, "/ocirepository/default/podinfo/abc.tar.gz%00", 404, ""},
		{"absolute symlink out of root", http.MethodGet, "/ocirepository/default/podinfo/escape.tar.gz", 404, ""},
		{"relative symlink out of root", http.MethodGet, "/ocirepository/default/podinfo/relescape.tar.gz", 404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			code, body := rawRequest(t, addr, tt.method, tt.target)
			g.Expect(code).To(Equal(tt.wantCode))
			g.Expect(body).NotTo(ContainSubstring("top-secret"))
			if tt.wantBody != "" || tt.method == http.MethodHead {
				g.Expect(body).To(Equal(tt.wantBody))
			}
		})
	}
}

func TestHandlerHeadReportsLength(t *testing.T) {
	g := NewWithT(t)
	h, err := Handler(newStorageDir(t))
	g.Expect(err).NotTo(HaveOccurred())
	srv := httptest.NewServer(h)
	defer srv.Close()

	resp, err := http.Head(srv.URL + "/ocirepository/default/podinfo/abc.tar.gz")
	g.Expect(err).NotTo(HaveOccurred())
	resp.Body.Close()
	g.Expect(resp.StatusCode).To(Equal(http.StatusOK))
	g.Expect(resp.ContentLength).To(Equal(int64(len("artifact-content"))))

	resp, err = http.Post(srv.URL+"/ocirepository/default/podinfo/abc.tar.gz", "text/plain", nil)
	g.Expect(err).NotTo(HaveOccurred())
	resp.Body.Close()
	g.Expect(resp.Header.Get("Allow")).To(Equal("GET, HEAD"))
}

func TestServerStartStop(t *testing.T) {
	g := NewWithT(t)
	s := New("127.0.0.1:0", newStorageDir(t), logr.Discard())
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- s.Start(ctx) }()

	addr, err := s.Addr(t.Context())
	g.Expect(err).NotTo(HaveOccurred())
	resp, err := http.Get("http://" + addr + "/ocirepository/default/podinfo/abc.tar.gz")
	g.Expect(err).NotTo(HaveOccurred())
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	g.Expect(string(body)).To(Equal("artifact-content"))

	cancel()
	g.Expect(<-done).To(Succeed())
	_, err = http.Get("http://" + addr + "/")
	g.Expect(err).To(HaveOccurred(), "the listener must be closed after the manager stops")
}

func TestServerStartFailsOnBusyAddress(t *testing.T) {
	g := NewWithT(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	g.Expect(err).NotTo(HaveOccurred())
	defer ln.Close()
	s := New(ln.Addr().String(), newStorageDir(t), logr.Discard())
	g.Expect(s.Start(t.Context())).To(MatchError(ContainSubstring("listening on")))
}
