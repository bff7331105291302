package oci

import (
	"errors"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	. "github.com/onsi/gomega"

	sourcev1 "github.com/eddy-gitops/eddy/api/source/v1"
)

const testDigest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func TestSelectorFor(t *testing.T) {
	tests := []struct {
		name string
		ref  *sourcev1.OCIRepositoryRef
		want Selector
	}{
		{"nil ref is latest", nil, Selector{Tag: "latest"}},
		{"empty ref is latest", &sourcev1.OCIRepositoryRef{}, Selector{Tag: "latest"}},
		{"tag", &sourcev1.OCIRepositoryRef{Tag: "v1"}, Selector{Tag: "v1"}},
		{"semver beats tag", &sourcev1.OCIRepositoryRef{Tag: "v1", SemVer: ">=1.0.0", SemverFilter: "^v"}, Selector{SemVer: ">=1.0.0", Filter: "^v"}},
		{"digest beats semver and tag", &sourcev1.OCIRepositoryRef{Tag: "v1", SemVer: ">=1.0.0", Digest: testDigest}, Selector{Digest: testDigest}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			NewWithT(t).Expect(SelectorFor(tt.ref)).To(Equal(tt.want))
		})
	}
}

func TestSelectorValidate(t *testing.T) {
	tests := []struct {
		name    string
		sel     Selector
		wantErr string
	}{
		{"tag", Selector{Tag: "latest"}, ""},
		{"valid digest", Selector{Digest: testDigest}, ""},
		{"short digest", Selector{Digest: "sha256:abc"}, "invalid digest"},
		{"digest without algorithm", Selector{Digest: "abc"}, "invalid digest"},
		{"valid semver", Selector{SemVer: ">=1.0.0 <2.0.0"}, ""},
		{"invalid semver", Selector{SemVer: "not a range"}, "invalid semver range"},
		{"invalid filter", Selector{SemVer: "*", Filter: "(["}, "invalid regular expression"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			err := tt.sel.Validate()
			if tt.wantErr == "" {
				g.Expect(err).NotTo(HaveOccurred())
				return
			}
			g.Expect(err).To(MatchError(ContainSubstring(tt.wantErr)))
		})
	}
}

func TestLatestSemver(t *testing.T) {
	tags := []string{"latest", "1.0.0", "v1.1.0", "1.2.0-rc.1", "2.0.0", "1.1.0", "dev-1.9.0", "main"}
	tests := []struct {
		name    string
		rng     string
		filter  string
		want    string
		wantErr error
	}{
		{"highest overall", "*", "", "2.0.0", nil},
		{"bounded range", ">=1.0.0 <2.0.0", "", "v1.1.0", nil},
		{"prerelease only when asked", ">=1.2.0-0 <2.0.0", "", "1.2.0-rc.1", nil},
		{"filter restricts tags", ">=1.0.0", "^v", "v1.1.0", nil},
		{"nothing matches", ">=3.0.0", "", "", ErrNoMatchingTag},
		{"filter leaves nothing", "*", "^release-", "", ErrNoMatchingTag},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			got, err := LatestSemver(tags, tt.rng, tt.filter)
			if tt.wantErr != nil {
				g.Expect(errors.Is(err, tt.wantErr)).To(BeTrue(), "got %v", err)
				g.Expect(err.Error()).To(ContainSubstring(tt.rng))
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(got).To(Equal(tt.want))
		})
	}
}

func TestRevision(t *testing.T) {
	g := NewWithT(t)
	h, err := v1.NewHash(testDigest)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(Revision("v1.0.0", h)).To(Equal("v1.0.0@" + testDigest))
	g.Expect(Revision("", h)).To(Equal(testDigest))
	g.Expect(DigestFromRevision("v1.0.0@" + testDigest)).To(Equal(testDigest))
	g.Expect(DigestFromRevision("weird@tag@" + testDigest)).To(Equal(testDigest))
	g.Expect(DigestFromRevision(testDigest)).To(Equal(testDigest))
}

func TestParseURL(t *testing.T) {
	tests := []struct {
		name     string
		url      string
		insecure bool
		want     string
		wantErr  string
	}{
		{"registry with port", "oci://127.0.0.1:5000/org/app", false, "127.0.0.1:5000/org/app", ""},
		{"hosted registry", "oci://ghcr.io/stefanprodan/manifests/podinfo", false, "ghcr.io/stefanprodan/manifests/podinfo", ""},
		{"insecure", "oci://registry.local/app", true, "registry.local/app", ""},
		{"wrong scheme", "https://ghcr.io/org/app", false, "", "must start with oci://"},
		{"empty", "oci://", false, "", "has no repository"},
		{"tag in URL", "oci://ghcr.io/org/app:v1", false, "", "must not contain a tag"},
		{"digest in URL", "oci://ghcr.io/org/app@" + testDigest, false, "", "must not contain a digest"},
		{"no repository", "oci://ghcr.io", false, "", "must name a registry host and a repository"},
		{"invalid characters", "oci://ghcr.io/Org/App", false, "", "not a valid OCI repository"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			repo, err := ParseURL(tt.url, tt.insecure)
			if tt.wantErr != "" {
				g.Expect(err).To(MatchError(ContainSubstring(tt.wantErr)))
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(repo.String()).To(Equal(tt.want))
		})
	}
}
