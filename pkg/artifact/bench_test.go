package artifact

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
)

// benchTarball builds a tarball of n files of size bytes each, with incompressible content so
// that the download really is n*size bytes.
func benchTarball(b *testing.B, n, size int) []byte {
	b.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	content := make([]byte, size)
	var buf bytes.Buffer
	gz, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	tw := tar.NewWriter(gz)
	for i := range n {
		for j := range content {
			content[j] = byte(rng.Uint32())
		}
		hdr := &tar.Header{Name: fmt.Sprintf("dir%03d/file%05d.yaml", i/100, i), Mode: 0o644, Size: int64(size), Typeflag: tar.TypeReg}
		if err := tw.WriteHeader(hdr); err != nil {
			b.Fatal(err)
		}
		if _, err := tw.Write(content); err != nil {
			b.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		b.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

// BenchmarkFetch downloads, verifies and extracts an artifact of 5,000 files / 50 MB from a
// local HTTP server. B/op shows that the download is streamed, not buffered.
func BenchmarkFetch(b *testing.B) {
	body := benchTarball(b, 5000, 10*1024)
	digest := sha256Of(body)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(body) }))
	defer srv.Close()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	root := b.TempDir()
	for i := 0; b.Loop(); i++ {
		if err := Fetch(b.Context(), srv.URL+"/a.tar.gz", digest, filepath.Join(root, fmt.Sprint(i))); err != nil {
			b.Fatal(err)
		}
	}
}
