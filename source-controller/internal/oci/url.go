package oci

import (
	"fmt"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
)

// Scheme is the prefix of every OCIRepository URL.
const Scheme = "oci://"

// ParseURL turns an oci:// URL into a repository. The URL must not carry a tag or digest:
// those belong in spec.ref. insecure allows plain HTTP to the registry.
func ParseURL(u string, insecure bool) (name.Repository, error) {
	if !strings.HasPrefix(u, Scheme) {
		return name.Repository{}, fmt.Errorf("URL %q must start with %s", u, Scheme)
	}
	s := strings.TrimPrefix(u, Scheme)
	if s == "" {
		return name.Repository{}, fmt.Errorf("URL %q has no repository", u)
	}
	if strings.Contains(s, "@") {
		return name.Repository{}, fmt.Errorf("URL %q must not contain a digest, use spec.ref.digest", u)
	}
	// A ':' after the last '/' is a tag (a ':' before it is a registry port).
	if i := strings.LastIndex(s, "/"); i >= 0 && strings.Contains(s[i+1:], ":") {
		return name.Repository{}, fmt.Errorf("URL %q must not contain a tag, use spec.ref.tag", u)
	}
	if !strings.Contains(s, "/") {
		return name.Repository{}, fmt.Errorf("URL %q must name a registry host and a repository, e.g. oci://ghcr.io/org/repo", u)
	}
	opts := []name.Option{name.StrictValidation}
	if insecure {
		opts = append(opts, name.Insecure)
	}
	repo, err := name.NewRepository(s, opts...)
	if err != nil {
		return name.Repository{}, fmt.Errorf("URL %q is not a valid OCI repository: %w", u, err)
	}
	return repo, nil
}
