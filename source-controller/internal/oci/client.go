package oci

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Client talks to one registry with one set of credentials and transport.
type Client struct {
	opts []remote.Option
}

// Config configures a Client.
type Config struct {
	// Keychain resolves credentials; nil means anonymous.
	Keychain authn.Keychain
	// Transport is the HTTP transport (see Transport); nil means the default.
	Transport http.RoundTripper
	// Insecure allows plain HTTP; without it every request must use TLS.
	Insecure bool
	// UserAgent identifies the controller to the registry.
	UserAgent string
}

// retryBackoff bounds go-containerregistry's own retries of transient failures; the
// controller's workqueue backoff handles longer outages.
var retryBackoff = remote.Backoff{Duration: 200 * time.Millisecond, Factor: 2, Jitter: 0.1, Steps: 3}

// NewClient returns a client for cfg.
func NewClient(cfg Config) *Client {
	kc := cfg.Keychain
	if kc == nil {
		kc = authn.NewMultiKeychain()
	}
	rt := cfg.Transport
	if rt == nil {
		rt = Transport(nil, nil)
	}
	if !cfg.Insecure {
		rt = secureOnly{next: rt}
	}
	opts := []remote.Option{
		remote.WithAuthFromKeychain(kc),
		remote.WithTransport(rt),
		remote.WithRetryBackoff(retryBackoff),
	}
	if cfg.UserAgent != "" {
		opts = append(opts, remote.WithUserAgent(cfg.UserAgent))
	}
	return &Client{opts: opts}
}

func (c *Client) options(ctx context.Context) []remote.Option {
	return append([]remote.Option{remote.WithContext(ctx)}, c.opts...)
}

// Resolved is a selector resolved against the registry.
type Resolved struct {
	// Ref is the reference to pull: repository@digest.
	Ref name.Digest
	// Tag is the tag the digest was found through ("" when selected by digest).
	Tag string
	// Digest is the manifest digest.
	Digest v1.Hash
}

// Revision is the artifact revision for the resolved reference.
func (r Resolved) Revision() string { return Revision(r.Tag, r.Digest) }

// Resolve finds the manifest digest for the selector. A digest selector needs no request; a
// tag costs one HEAD (falling back to GET for registries that do not answer HEAD); a semver
// range lists the tags first.
func (c *Client) Resolve(ctx context.Context, repo name.Repository, sel Selector) (Resolved, error) {
	if sel.Digest != "" {
		h, err := v1.NewHash(sel.Digest)
		if err != nil {
			return Resolved{}, err
		}
		return Resolved{Ref: repo.Digest(h.String()), Digest: h}, nil
	}
	tag := sel.Tag
	if sel.SemVer != "" {
		tags, err := remote.List(repo, c.options(ctx)...)
		if err != nil {
			return Resolved{}, fmt.Errorf("listing tags of '%s': %w", repo, err)
		}
		if tag, err = LatestSemver(tags, sel.SemVer, sel.Filter); err != nil {
			return Resolved{}, err
		}
	}
	ref := repo.Tag(tag)
	desc, err := remote.Head(ref, c.options(ctx)...)
	if err != nil && !IsUnauthorized(err) && !IsNotFound(err) {
		// Some registries do not implement HEAD on manifests.
		var full *remote.Descriptor
		if full, err = remote.Get(ref, c.options(ctx)...); err == nil {
			desc = &full.Descriptor
		}
	}
	if err != nil {
		return Resolved{}, fmt.Errorf("resolving tag '%s' of '%s': %w", tag, repo, err)
	}
	return Resolved{Ref: repo.Digest(desc.Digest.String()), Tag: tag, Digest: desc.Digest}, nil
}

// Artifact is a pulled manifest: its annotations and the layer selected from it. Layer
// contents are read lazily (and verified against their digest) when consumed.
type Artifact struct {
	Manifest *v1.Manifest
	Layer    v1.Layer
}

// ErrNoLayer is returned (wrapped) when the manifest has no layer with the wanted media type.
var ErrNoLayer = errors.New("no matching layer")

// Pull fetches the manifest at r and selects the layer with mediaType (the first layer when
// empty). Image indexes (multi-platform images) are refused: OCIRepository artifacts are
// single manifests.
func (c *Client) Pull(ctx context.Context, r Resolved, mediaType string) (*Artifact, error) {
	desc, err := remote.Get(r.Ref, c.options(ctx)...)
	if err != nil {
		return nil, fmt.Errorf("pulling manifest '%s': %w", r.Ref, err)
	}
	if desc.MediaType.IsIndex() {
		return nil, fmt.Errorf("'%s' is an image index (%s); expected a single artifact manifest", r.Ref, desc.MediaType)
	}
	img, err := desc.Image()
	if err != nil {
		return nil, fmt.Errorf("reading manifest '%s': %w", r.Ref, err)
	}
	manifest, err := img.Manifest()
	if err != nil {
		return nil, fmt.Errorf("parsing manifest '%s': %w", r.Ref, err)
	}
	layer, err := selectLayer(img, manifest, mediaType)
	if err != nil {
		return nil, fmt.Errorf("artifact '%s': %w", r.Ref, err)
	}
	return &Artifact{Manifest: manifest, Layer: layer}, nil
}

// selectLayer returns the first layer with mediaType, or the first layer when it is empty.
func selectLayer(img v1.Image, m *v1.Manifest, mediaType string) (v1.Layer, error) {
	if len(m.Layers) == 0 {
		return nil, fmt.Errorf("%w: the manifest has no layers", ErrNoLayer)
	}
	for _, l := range m.Layers {
		if mediaType == "" || l.MediaType == types.MediaType(mediaType) {
			return img.LayerByDigest(l.Digest)
		}
	}
	found := make([]string, 0, len(m.Layers))
	for _, l := range m.Layers {
		found = append(found, string(l.MediaType))
	}
	return nil, fmt.Errorf("%w: no layer has media type '%s' (layers: %v)", ErrNoLayer, mediaType, found)
}
