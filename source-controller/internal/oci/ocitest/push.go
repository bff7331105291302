package ocitest

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io"
	"log"
	"sort"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Media types of the Flux OCI artifact format.
const (
	FluxConfigMediaType  = "application/vnd.cncf.flux.config.v1+json"
	FluxContentMediaType = "application/vnd.cncf.flux.content.v1.tar+gzip"
)

// Layer is one layer to push.
type Layer struct {
	MediaType types.MediaType
	Content   []byte
}

// Image describes an artifact to push.
type Image struct {
	// ConfigMediaType defaults to the Flux config media type.
	ConfigMediaType types.MediaType
	Layers          []Layer
	Annotations     map[string]string
}

// FluxArtifact is an artifact in the Flux OCI format holding files.
func FluxArtifact(t testing.TB, files map[string]string, annotations map[string]string) Image {
	return Image{
		ConfigMediaType: FluxConfigMediaType,
		Layers:          []Layer{{MediaType: FluxContentMediaType, Content: TarGz(t, files)}},
		Annotations:     annotations,
	}
}

// PlainTarball is a single-layer image whose layer is an ordinary OCI tar+gzip layer.
func PlainTarball(t testing.TB, files map[string]string) Image {
	return Image{
		ConfigMediaType: types.OCIConfigJSON,
		Layers:          []Layer{{MediaType: types.OCILayer, Content: TarGz(t, files)}},
	}
}

// Push pushes img to repo:tag in the registry and returns the manifest digest.
func (r *Registry) Push(t testing.TB, repo, tag string, img Image) v1.Hash {
	t.Helper()
	ref, err := name.NewTag(r.Host+"/"+repo+":"+tag, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	built := Build(t, img)
	if err := remote.Write(ref, built, r.RemoteOptions()...); err != nil {
		t.Fatalf("pushing %s: %v", ref, err)
	}
	d, err := built.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// Build assembles img as an OCI manifest.
func Build(t testing.TB, img Image) v1.Image {
	t.Helper()
	cmt := img.ConfigMediaType
	if cmt == "" {
		cmt = FluxConfigMediaType
	}
	out := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	out = mutate.ConfigMediaType(out, cmt)
	for _, l := range img.Layers {
		var err error
		out, err = mutate.Append(out, mutate.Addendum{Layer: static.NewLayer(l.Content, l.MediaType), MediaType: l.MediaType})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(img.Annotations) > 0 {
		out = mutate.Annotations(out, img.Annotations).(v1.Image)
	}
	return out
}

// TarGz builds a gzip-compressed tarball of files (sorted, regular files only).
func TarGz(t testing.TB, files map[string]string) []byte {
	t.Helper()
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, n := range names {
		if err := tw.WriteHeader(&tar.Header{Name: n, Mode: 0o644, Size: int64(len(files[n])), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(tw, files[n]); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func discardLogger() *log.Logger { return log.New(io.Discard, "", 0) }
