package oci

import (
	"archive/tar"
	"fmt"
	"io"
	"os"
	"strings"

	fluxtar "github.com/fluxcd/pkg/tar"
	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// MaxExtractedSize bounds the content of one layer once extracted.
const MaxExtractedSize = 1 << 30

// Extract untars the layer (gzip, zstd or uncompressed tar: go-containerregistry detects the
// compression) into dir. The blob digest is verified as it is read. Only regular files and
// directories are kept; absolute paths and ".." segments fail the extraction.
func Extract(layer v1.Layer, dir string) error {
	rc, err := layer.Uncompressed()
	if err != nil {
		return fmt.Errorf("opening layer: %w", err)
	}
	defer rc.Close()

	var unsafe error
	filter := func(name string, fi os.FileInfo) bool {
		if unsafe != nil {
			return true
		}
		for _, seg := range strings.Split(name, "/") {
			if seg == ".." {
				unsafe = fmt.Errorf("layer contains unsafe path %q", name)
				return true
			}
		}
		hdr, ok := fi.Sys().(*tar.Header)
		return !ok || (hdr.Typeflag != tar.TypeReg && hdr.Typeflag != tar.TypeDir)
	}
	err = fluxtar.Untar(rc, dir, fluxtar.WithSkipGzip(), fluxtar.WithSkipSymlinks(),
		fluxtar.WithMaxUntarSize(MaxExtractedSize), fluxtar.WithFilter(filter))
	if unsafe != nil {
		return unsafe
	}
	if err != nil {
		return fmt.Errorf("extracting layer: %w", err)
	}
	// Drain what the tar reader left (padding) so that the digest check runs on every byte.
	if _, err := io.Copy(io.Discard, rc); err != nil {
		return fmt.Errorf("reading layer: %w", err)
	}
	return nil
}

// Compressed opens the layer blob as stored in the registry, for the 'copy' operation. The
// digest is verified when the reader reaches the end.
func Compressed(layer v1.Layer) (io.ReadCloser, error) {
	rc, err := layer.Compressed()
	if err != nil {
		return nil, fmt.Errorf("opening layer: %w", err)
	}
	return rc, nil
}
