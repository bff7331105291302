package registry

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// dockerHubAlias is how Docker Hub is spelled in canonical names, as users and Flux write it;
// go-containerregistry calls it index.docker.io.
const dockerHubAlias = "docker.io"

// ParseRepository parses spec.image (e.g. `alpine`, `ghcr.io/org/app`, `localhost:5000/app`).
// It returns the repository and its canonical name with the implied parts spelled out, e.g.
// `docker.io/library/alpine`. A tag or digest in image is an error: an ImageRepository scans a
// whole repository.
func ParseRepository(image string, insecure bool) (name.Repository, string, error) {
	var opts []name.Option
	if insecure {
		opts = append(opts, name.Insecure)
	}
	if strings.TrimSpace(image) != image || image == "" {
		return name.Repository{}, "", fmt.Errorf("invalid image %q: must be a repository name without spaces", image)
	}
	if strings.Contains(image, "://") {
		return name.Repository{}, "", fmt.Errorf("invalid image %q: must not contain a scheme; use spec.insecure for plain HTTP", image)
	}
	if ref, err := name.ParseReference(image, opts...); err == nil && ref.Identifier() != "latest" {
		return name.Repository{}, "", fmt.Errorf("invalid image %q: must not contain a tag or digest", image)
	}
	repo, err := name.NewRepository(image, opts...)
	if err != nil {
		return name.Repository{}, "", fmt.Errorf("invalid image %q: %v", image, err)
	}
	host := repo.RegistryStr()
	if host == name.DefaultRegistry {
		host = dockerHubAlias
	}
	return repo, host + "/" + repo.RepositoryStr(), nil
}

// Access is how to reach one registry: credentials, TLS, proxy.
type Access struct {
	// Keychain resolves credentials; nil means anonymous access.
	Keychain authn.Keychain
	// TLS replaces the default TLS configuration (custom CA, client certificate).
	TLS *tls.Config
	// Proxy is the HTTP(S) proxy to use; nil means the environment's proxy settings.
	Proxy *url.URL
}

// Client lists tags and resolves digests. The zero value is ready to use.
type Client struct {
	// UserAgent is sent with every request.
	UserAgent string
	// PageSize asks the registry for pages of this many tags (0: the registry's default). The
	// listing follows the registry's Link headers until the last page either way.
	PageSize int
	// DialContext, when set, replaces how TCP connections are opened. Tests use it to reach a
	// registry under a host name that resolves nowhere else.
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)
}

// ListTags returns every tag of repo, in the registry's order.
func (c *Client) ListTags(ctx context.Context, repo name.Repository, a Access) ([]string, error) {
	opts := c.options(ctx, a)
	if c.PageSize > 0 {
		opts = append(opts, remote.WithPageSize(c.PageSize))
	}
	tags, err := remote.List(repo, opts...)
	if err != nil {
		return nil, classify(fmt.Sprintf("listing tags of %s", repo.Name()), err, a)
	}
	return tags, nil
}

// Digest returns the manifest digest of repo:tag (e.g. `sha256:…`). It asks with HEAD first and
// falls back to GET for registries that do not answer HEAD with a digest.
func (c *Client) Digest(ctx context.Context, repo name.Repository, tag string, a Access) (string, error) {
	ref := repo.Tag(tag)
	opts := c.options(ctx, a)
	desc, err := remote.Head(ref, opts...)
	if err != nil {
		var terr *transport.Error
		if errors.As(err, &terr) && isAuthStatus(terr.StatusCode) {
			return "", classify(fmt.Sprintf("resolving the digest of %s", ref.Name()), err, a)
		}
		full, gerr := remote.Get(ref, opts...)
		if gerr != nil {
			return "", classify(fmt.Sprintf("resolving the digest of %s", ref.Name()), gerr, a)
		}
		return full.Digest.String(), nil
	}
	return desc.Digest.String(), nil
}

func (c *Client) options(ctx context.Context, a Access) []remote.Option {
	tr := remote.DefaultTransport.(*http.Transport).Clone()
	if a.TLS != nil {
		tr.TLSClientConfig = a.TLS
	}
	if a.Proxy != nil {
		tr.Proxy = http.ProxyURL(a.Proxy)
	}
	if c.DialContext != nil {
		tr.DialContext = c.DialContext
	}
	opts := []remote.Option{
		remote.WithContext(ctx),
		remote.WithTransport(tr),
		// A scan is retried by the reconciler with backoff; retrying inside one scan as well
		// only makes a failing registry slower to report.
		remote.WithRetryBackoff(remote.Backoff{Steps: 1}),
	}
	if a.Keychain != nil {
		opts = append(opts, remote.WithAuthFromKeychain(a.Keychain))
	}
	if c.UserAgent != "" {
		opts = append(opts, remote.WithUserAgent(c.UserAgent))
	}
	return opts
}
