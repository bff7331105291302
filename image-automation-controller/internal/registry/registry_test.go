package registry

import (
	"crypto/tls"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"

	"github.com/eddy-gitops/eddy/image-automation-controller/internal/registry/registrytest"
)

func TestParseRepositoryInsecure(t *testing.T) {
	for insecure, want := range map[bool]string{false: "https", true: "http"} {
		repo, _, err := ParseRepository("registry.example.org/app", insecure)
		if err != nil || repo.Scheme() != want {
			t.Fatalf("insecure=%v: scheme %q, %v; want %q", insecure, repo.Scheme(), err, want)
		}
	}
}

func TestParseRepository(t *testing.T) {
	tests := []struct {
		image, want, wantErr string
	}{
		{image: "alpine", want: "docker.io/library/alpine"},
		{image: "docker.io/stefanprodan/podinfo", want: "docker.io/stefanprodan/podinfo"},
		{image: "ghcr.io/org/app", want: "ghcr.io/org/app"},
		{image: "localhost:5000/team/app", want: "localhost:5000/team/app"},
		{image: "alpine:3.20", wantErr: "must not contain a tag or digest"},
		{image: "ghcr.io/org/app@sha256:" + strings.Repeat("a", 64), wantErr: "must not contain a tag or digest"},
		{image: "https://ghcr.io/org/app", wantErr: "must not contain a scheme"},
		{image: "Not Valid", wantErr: "invalid image"},
		{image: "", wantErr: "invalid image"},
	}
	for _, tt := range tests {
		t.Run(tt.image, func(t *testing.T) {
			_, got, err := ParseRepository(tt.image, false)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseRepository(%q) = %q, %v; want error containing %q", tt.image, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseRepository(%q) = %q, %v; want %q", tt.image, got, err, tt.want)
			}
		})
	}
}

type staticKeychain struct{ user, pass string }

func (k staticKeychain) Resolve(authn.Resource) (authn.Authenticator, error) {
	return &authn.Basic{Username: k.user, Password: k.pass}, nil
}

func repoOf(t *testing.T, s *registrytest.Server, path string) name.Repository {
	t.Helper()
	r, _, err := ParseRepository(s.Host+"/"+path, false)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestListTagsAndDigest(t *testing.T) {
	plain := registrytest.New(t, registrytest.Options{})
	authed := registrytest.New(t, registrytest.Options{BasicAuth: "bob:s3cret"})
	secure := registrytest.New(t, registrytest.Options{TLS: true})
	tags := []string{"1.0.0", "1.1.0", "2.0.0"}
	digests := plain.Push(t, "team/app", tags...)
	authed.Push(t, "app", tags...)
	secure.Push(t, "app", tags...)

	tests := []struct {
		name    string
		server  *registrytest.Server
		repo    string
		access  Access
		client  Client
		wantErr string
		auth    bool
	}{
		{name: "anonymous", server: plain, repo: "team/app"},
		{name: "basic auth accepted", server: authed, repo: "app", access: Access{Keychain: staticKeychain{"bob", "s3cret"}}},
		{name: "basic auth missing", server: authed, repo: "app", wantErr: "401", auth: true},
		{name: "basic auth wrong", server: authed, repo: "app", access: Access{Keychain: staticKeychain{"bob", "nope"}}, wantErr: "401", auth: true},
		{name: "tls with the CA", server: secure, repo: "app",
			access: Access{TLS: &tls.Config{RootCAs: secure.CertPool()}}, client: Client{DialContext: secure.Dial}},
		{name: "tls without the CA", server: secure, repo: "app",
			client: Client{DialContext: secure.Dial}, wantErr: "certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			repo := repoOf(t, tt.server, tt.repo)
			got, err := tt.client.ListTags(t.Context(), repo, tt.access)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || IsAuthError(err) != tt.auth {
					t.Fatalf("ListTags = %v, %v; want error containing %q (auth=%v)", got, err, tt.wantErr, tt.auth)
				}
				if strings.Contains(err.Error(), "s3cret") || strings.Contains(err.Error(), "nope") {
					t.Fatalf("error leaks a password: %v", err)
				}
				return
			}
			if err != nil || !slices.Equal(got, tags) {
				t.Fatalf("ListTags = %v, %v; want %v", got, err, tags)
			}
			d, err := tt.client.Digest(t.Context(), repo, "1.1.0", tt.access)
			if err != nil || !strings.HasPrefix(d, "sha256:") {
				t.Fatalf("Digest = %q, %v", d, err)
			}
		})
	}
	d, err := (&Client{}).Digest(t.Context(), repoOf(t, plain, "team/app"), "2.0.0", Access{})
	if err != nil || d != digests["2.0.0"] {
		t.Fatalf("Digest = %q, %v; want %q", d, err, digests["2.0.0"])
	}
	if _, err := (&Client{}).Digest(t.Context(), repoOf(t, plain, "team/app"), "9.9.9", Access{}); err == nil {
		t.Fatal("Digest of a missing tag succeeded")
	}
}

func TestListTagsFollowsPages(t *testing.T) {
	var all []string
	for i := range 250 {
		all = append(all, fmt.Sprintf("1.0.%d", i))
	}
	var pages atomic.Int32
	s := registrytest.New(t, registrytest.Options{Handler: registrytest.PagedTags(all, 100, &pages)})
	got, err := (&Client{PageSize: 100}).ListTags(t.Context(), repoOf(t, s, "app"), Access{})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(all)
	if !slices.Equal(got, all) {
		t.Fatalf("got %d tags, want all %d", len(got), len(all))
	}
	if pages.Load() != 3 {
		t.Fatalf("served %d pages, want 3", pages.Load())
	}
}

func TestListTagsMalformed(t *testing.T) {
	s := registrytest.New(t, registrytest.Options{Handler: registrytest.Malformed()})
	_, err := (&Client{}).ListTags(t.Context(), repoOf(t, s, "app"), Access{})
	if err == nil || !strings.Contains(err.Error(), "malformed response") || IsAuthError(err) {
		t.Fatalf("ListTags = %v; want a malformed-response read error", err)
	}
}

func TestProxyCredentialsAreRedacted(t *testing.T) {
	// The proxy does not exist: the connection error must not quote its password.
	proxy, _ := url.Parse("http://user:hunter2@127.0.0.1:1")
	s := registrytest.New(t, registrytest.Options{})
	r, _, _ := ParseRepository("registry.invalid/app", false)
	_, err := (&Client{}).ListTags(t.Context(), r, Access{Proxy: proxy})
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("ListTags through a dead proxy = %v; want an error without the password", err)
	}
	_ = s
}
