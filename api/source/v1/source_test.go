package v1

import "testing"

func TestArtifactPath(t *testing.T) {
	tests := []struct {
		kind, ns, name, file string
		want                 string
	}{
		{GitRepositoryKind, "flux-system", "podinfo", "abc.tar.gz", "gitrepository/flux-system/podinfo/abc.tar.gz"},
		{OCIRepositoryKind, "apps", "web", "latest.tar.gz", "ocirepository/apps/web/latest.tar.gz"},
	}
	for _, tt := range tests {
		if got := ArtifactPath(tt.kind, tt.ns, tt.name, tt.file); got != tt.want {
			t.Errorf("ArtifactPath() = %q, want %q", got, tt.want)
		}
	}
	if got := ArtifactDir(GitRepositoryKind, "ns", "n"); got != "gitrepository/ns/n" {
		t.Errorf("ArtifactDir() = %q", got)
	}
}

func TestSplitRevision(t *testing.T) {
	tests := []struct {
		rev, pointer, digest string
	}{
		{"main@sha1:0123456789abcdef", "main", "sha1:0123456789abcdef"},
		{"refs/pull/1/head@sha1:abc", "refs/pull/1/head", "sha1:abc"},
		{"sha256:abc", "", "sha256:abc"},
		{"a@b@sha256:abc", "a@b", "sha256:abc"},
		{"1.2.3", "", "1.2.3"},
	}
	for _, tt := range tests {
		p, d := SplitRevision(tt.rev)
		if p != tt.pointer || d != tt.digest {
			t.Errorf("SplitRevision(%q) = (%q, %q), want (%q, %q)", tt.rev, p, d, tt.pointer, tt.digest)
		}
	}
}

func TestShortenRevision(t *testing.T) {
	sha := "0123456789abcdef0123456789abcdef01234567"
	tests := []struct {
		rev  string
		n    int
		want string
	}{
		{"main@sha1:" + sha, 7, "main@sha1:0123456"},
		{"sha256:" + sha, 12, "sha256:0123456789ab"},
		{"v1.0.0@sha256:" + sha, 3, "v1.0.0@sha256:0123456"},
		{"main@sha1:abc", 7, "main@sha1:abc"},
		{"1.2.3-rc.1+build.123456", 7, "1.2.3-rc.1+build.123456"},
	}
	for _, tt := range tests {
		if got := ShortenRevision(tt.rev, tt.n); got != tt.want {
			t.Errorf("ShortenRevision(%q, %d) = %q, want %q", tt.rev, tt.n, got, tt.want)
		}
	}
}
