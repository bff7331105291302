package oci_test

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"

	"github.com/eddy-gitops/eddy/source-controller/internal/oci"
	"github.com/eddy-gitops/eddy/source-controller/internal/oci/ocitest"
)

var manifests = map[string]string{"deploy/app.yaml": "kind: Deployment", "kustomization.yaml": "resources: [deploy/app.yaml]"}

// files lists the regular files under dir with their content.
func files(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func plainClient() *oci.Client { return oci.NewClient(oci.Config{Insecure: true}) }

func TestClient_Resolve(t *testing.T) {
	reg := ocitest.New(t)
	repo, err := oci.ParseURL(reg.URL("org/app"), true)
	if err != nil {
		t.Fatal(err)
	}
	d100 := reg.Push(t, "org/app", "1.0.0", ocitest.FluxArtifact(t, map[string]string{"v": "1.0.0"}, nil))
	d110 := reg.Push(t, "org/app", "v1.1.0", ocitest.FluxArtifact(t, map[string]string{"v": "1.1.0"}, nil))
	d200 := reg.Push(t, "org/app", "2.0.0", ocitest.FluxArtifact(t, map[string]string{"v": "2.0.0"}, nil))
	latest := reg.Push(t, "org/app", "latest", ocitest.FluxArtifact(t, map[string]string{"v": "latest"}, nil))

	tests := []struct {
		name         string
		sel          oci.Selector
		wantRevision string
		wantErr      func(error) bool
	}{
		{"default tag latest", oci.SelectorFor(nil), "latest@" + latest.String(), nil},
		{"tag", oci.Selector{Tag: "1.0.0"}, "1.0.0@" + d100.String(), nil},
		{"semver highest", oci.Selector{SemVer: ">=1.0.0"}, "2.0.0@" + d200.String(), nil},
		{"semver with filter", oci.Selector{SemVer: ">=1.0.0", Filter: "^v"}, "v1.1.0@" + d110.String(), nil},
		{"digest needs no tag", oci.Selector{Digest: d110.String()}, d110.String(), nil},
		{"missing tag", oci.Selector{Tag: "nope"}, "", oci.IsNotFound},
		{"no semver match", oci.Selector{SemVer: ">=5.0.0"}, "", func(err error) bool { return errors.Is(err, oci.ErrNoMatchingTag) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			res, err := plainClient().Resolve(t.Context(), repo, tt.sel)
			if tt.wantErr != nil {
				g.Expect(err).To(HaveOccurred())
				g.Expect(tt.wantErr(err)).To(BeTrue(), "unexpected error kind: %v", err)
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(res.Revision()).To(Equal(tt.wantRevision))
		})
	}
}

// The no-change path depends on resolving a tag with a HEAD request, without the manifest body
// or any blob.
func TestClient_ResolveTagIsOneHead(t *testing.T) {
	g := NewWithT(t)
	reg := ocitest.New(t)
	reg.Push(t, "org/app", "latest", ocitest.FluxArtifact(t, manifests, nil))
	repo, _ := oci.ParseURL(reg.URL("org/app"), true)
	headsBefore, getsBefore, blobsBefore := reg.Requests("HEAD manifests"), reg.Requests("GET manifests"), reg.Requests("GET blobs")

	_, err := plainClient().Resolve(t.Context(), repo, oci.Selector{Tag: "latest"})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(reg.Requests("HEAD manifests")).To(Equal(headsBefore + 1))
	g.Expect(reg.Requests("GET manifests")).To(Equal(getsBefore))
	g.Expect(reg.Requests("GET blobs")).To(Equal(blobsBefore))
}

func TestClient_PullAndExtract(t *testing.T) {
	const yamlLayer = "application/vnd.example.yaml.tar+gzip"
	twoLayers := ocitest.Image{Layers: []ocitest.Layer{
		{MediaType: ocitest.FluxContentMediaType, Content: ocitest.TarGz(t, map[string]string{"first.yaml": "1"})},
		{MediaType: yamlLayer, Content: ocitest.TarGz(t, map[string]string{"second.yaml": "2"})},
	}}
	tests := []struct {
		name        string
		img         ocitest.Image
		mediaType   string
		wantFiles   map[string]string
		wantLayerMT types.MediaType
		wantErr     string
	}{
		{name: "flux format", img: ocitest.FluxArtifact(t, manifests, nil), wantFiles: manifests, wantLayerMT: ocitest.FluxContentMediaType},
		{name: "plain single-layer tarball", img: ocitest.PlainTarball(t, manifests), wantFiles: manifests, wantLayerMT: types.OCILayer},
		{name: "first layer by default", img: twoLayers, wantFiles: map[string]string{"first.yaml": "1"}},
		{name: "layer by media type", img: twoLayers, mediaType: yamlLayer, wantFiles: map[string]string{"second.yaml": "2"}},
		{name: "no layer with media type", img: twoLayers, mediaType: "application/x-none", wantErr: "no layer has media type 'application/x-none'"},
		{name: "no layers at all", img: ocitest.Image{}, wantErr: "the manifest has no layers"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			reg := ocitest.New(t)
			reg.Push(t, "org/app", "v1", tt.img)
			repo, _ := oci.ParseURL(reg.URL("org/app"), true)
			c := plainClient()
			res, err := c.Resolve(t.Context(), repo, oci.Selector{Tag: "v1"})
			g.Expect(err).NotTo(HaveOccurred())

			art, err := c.Pull(t.Context(), res, tt.mediaType)
			if tt.wantErr != "" {
				g.Expect(err).To(MatchError(ContainSubstring(tt.wantErr)))
				g.Expect(errors.Is(err, oci.ErrNoLayer)).To(BeTrue())
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			if tt.wantLayerMT != "" {
				mt, _ := art.Layer.MediaType()
				g.Expect(mt).To(Equal(tt.wantLayerMT))
			}
			dir := t.TempDir()
			g.Expect(oci.Extract(art.Layer, dir)).To(Succeed())
			g.Expect(files(t, dir)).To(Equal(tt.wantFiles))
		})
	}
}

func TestClient_Annotations(t *testing.T) {
	g := NewWithT(t)
	reg := ocitest.New(t)
	ann := map[string]string{"org.opencontainers.image.source": "https://github.com/org/app", "org.opencontainers.image.revision": "main@sha1:abc"}
	reg.Push(t, "org/app", "v1", ocitest.FluxArtifact(t, manifests, ann))
	repo, _ := oci.ParseURL(reg.URL("org/app"), true)
	res, err := plainClient().Resolve(t.Context(), repo, oci.Selector{Tag: "v1"})
	g.Expect(err).NotTo(HaveOccurred())
	art, err := plainClient().Pull(t.Context(), res, "")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(art.Manifest.Annotations).To(Equal(ann))
	g.Expect(string(art.Manifest.Config.MediaType)).To(Equal(ocitest.FluxConfigMediaType))
}

func TestClient_CorruptRegistry(t *testing.T) {
	tests := []struct {
		name    string
		corrupt func(*ocitest.Registry)
		step    string
	}{
		{"corrupt layer blob fails extraction", func(r *ocitest.Registry) { r.CorruptBlobs.Store(true) }, "extract"},
		{"corrupt layer blob fails copy", func(r *ocitest.Registry) { r.CorruptBlobs.Store(true) }, "copy"},
		{"corrupt manifest fails pull", func(r *ocitest.Registry) { r.CorruptManifests.Store(true) }, "pull"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			reg := ocitest.New(t)
			reg.Push(t, "org/app", "v1", ocitest.FluxArtifact(t, manifests, nil))
			repo, _ := oci.ParseURL(reg.URL("org/app"), true)
			c := plainClient()
			res, err := c.Resolve(t.Context(), repo, oci.Selector{Tag: "v1"})
			g.Expect(err).NotTo(HaveOccurred())
			tt.corrupt(reg)

			art, err := c.Pull(t.Context(), res, "")
			if tt.step == "pull" {
				g.Expect(err).To(HaveOccurred())
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			switch tt.step {
			case "extract":
				g.Expect(oci.Extract(art.Layer, t.TempDir())).NotTo(Succeed())
			case "copy":
				rc, err := oci.Compressed(art.Layer)
				g.Expect(err).NotTo(HaveOccurred())
				_, err = io.ReadAll(rc)
				rc.Close()
				g.Expect(err).To(HaveOccurred(), "the blob digest must be verified while copying")
			}
		})
	}
}

func dockerConfigSecret(t *testing.T, host, user, pass string) corev1.Secret {
	t.Helper()
	cfg := map[string]any{"auths": map[string]any{host: map[string]string{
		"auth": base64.StdEncoding.EncodeToString([]byte(user + ":" + pass)),
	}}}
	b, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return corev1.Secret{Type: corev1.SecretTypeDockerConfigJson, Data: map[string][]byte{corev1.DockerConfigJsonKey: b}}
}

func TestClient_BasicAuth(t *testing.T) {
	reg := ocitest.New(t, ocitest.WithBasicAuth("flux", "s3cr3t"))
	reg.Push(t, "org/app", "v1", ocitest.FluxArtifact(t, manifests, nil))
	repo, _ := oci.ParseURL(reg.URL("org/app"), true)
	tests := []struct {
		name             string
		secrets          []corev1.Secret
		wantUnauthorized bool
	}{
		{"right credentials", []corev1.Secret{dockerConfigSecret(t, reg.Host, "flux", "s3cr3t")}, false},
		{"wrong password", []corev1.Secret{dockerConfigSecret(t, reg.Host, "flux", "nope")}, true},
		{"credentials for another registry", []corev1.Secret{dockerConfigSecret(t, "ghcr.io", "flux", "s3cr3t")}, true},
		{"anonymous", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			kc, err := oci.KeychainFromSecrets(t.Context(), tt.secrets)
			g.Expect(err).NotTo(HaveOccurred())
			c := oci.NewClient(oci.Config{Keychain: kc, Insecure: true})
			res, err := c.Resolve(t.Context(), repo, oci.Selector{Tag: "v1"})
			if tt.wantUnauthorized {
				g.Expect(oci.IsUnauthorized(err)).To(BeTrue(), "got %v", err)
				g.Expect(err.Error()).NotTo(ContainSubstring("s3cr3t"))
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			_, err = c.Pull(t.Context(), res, "")
			g.Expect(err).NotTo(HaveOccurred())
		})
	}
}

func TestKeychainFromSecrets_invalid(t *testing.T) {
	tests := []struct {
		name    string
		secret  corev1.Secret
		wantErr string
	}{
		{"opaque secret", corev1.Secret{Type: corev1.SecretTypeOpaque, Data: map[string][]byte{"username": []byte("u")}}, "expected 'kubernetes.io/dockerconfigjson'"},
		{"missing key", corev1.Secret{Type: corev1.SecretTypeDockerConfigJson}, "has no '.dockerconfigjson' key"},
		{"not JSON", corev1.Secret{Type: corev1.SecretTypeDockerConfigJson, Data: map[string][]byte{corev1.DockerConfigJsonKey: []byte("s3cr3t-not-json")}}, "not valid docker config JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			tt.secret.Name, tt.secret.Namespace = "creds", "apps"
			_, err := oci.KeychainFromSecrets(t.Context(), []corev1.Secret{tt.secret})
			g.Expect(err).To(MatchError(ContainSubstring(tt.wantErr)))
			g.Expect(err.Error()).NotTo(ContainSubstring("s3cr3t"))
		})
	}
}

func TestClient_TLSAndInsecure(t *testing.T) {
	tlsReg := ocitest.New(t, ocitest.WithTLS())
	tlsReg.Push(t, "org/app", "v1", ocitest.FluxArtifact(t, manifests, nil))
	plainReg := ocitest.New(t)
	plainReg.Push(t, "org/app", "v1", ocitest.FluxArtifact(t, manifests, nil))

	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(tlsReg.CAPEM())
	trusted := oci.Transport(&tls.Config{RootCAs: pool}, nil)

	tests := []struct {
		name    string
		reg     *ocitest.Registry
		cfg     oci.Config
		wantErr string
	}{
		{name: "TLS with the registry CA", reg: tlsReg, cfg: oci.Config{Transport: trusted}},
		{name: "TLS without the CA", reg: tlsReg, cfg: oci.Config{}, wantErr: "certificate"},
		{name: "plain HTTP refused without insecure", reg: plainReg, cfg: oci.Config{}, wantErr: "set spec.insecure to true"},
		{name: "plain HTTP with insecure", reg: plainReg, cfg: oci.Config{Insecure: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			repo, err := oci.ParseURL(tt.reg.URL("org/app"), tt.cfg.Insecure)
			g.Expect(err).NotTo(HaveOccurred())
			_, err = oci.NewClient(tt.cfg).Resolve(t.Context(), repo, oci.Selector{Tag: "v1"})
			if tt.wantErr != "" {
				g.Expect(err).To(MatchError(ContainSubstring(tt.wantErr)))
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
		})
	}
}

func TestClient_UnreachableRegistry(t *testing.T) {
	g := NewWithT(t)
	reg := ocitest.New(t)
	repo, _ := oci.ParseURL(reg.URL("org/app"), true)
	reg.Server.Close()
	_, err := plainClient().Resolve(t.Context(), repo, oci.Selector{Tag: "v1"})
	g.Expect(err).To(MatchError(ContainSubstring("connection refused")))
	g.Expect(oci.IsNotFound(err) || oci.IsUnauthorized(err)).To(BeFalse())
}

// Multi-platform image indexes are not artifacts: the pull fails with a clear message.
func TestClient_PullRefusesIndex(t *testing.T) {
	g := NewWithT(t)
	reg := ocitest.New(t)
	idx := mutate.AppendManifests(empty.Index, mutate.IndexAddendum{Add: ocitest.Build(t, ocitest.FluxArtifact(t, manifests, nil))})
	ref, err := name.NewTag(reg.Host+"/org/app:multi", name.Insecure)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(remote.WriteIndex(ref, idx, reg.RemoteOptions()...)).To(Succeed())

	repo, _ := oci.ParseURL(reg.URL("org/app"), true)
	res, err := plainClient().Resolve(t.Context(), repo, oci.Selector{Tag: "multi"})
	g.Expect(err).NotTo(HaveOccurred())
	_, err = plainClient().Pull(t.Context(), res, "")
	g.Expect(err).To(MatchError(ContainSubstring("is an image index")))
}
