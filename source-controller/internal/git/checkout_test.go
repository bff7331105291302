package git

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	fluxssh "github.com/fluxcd/pkg/ssh"

	"github.com/eddy-gitops/eddy/source-controller/internal/git/gittest"
)

// fixture is a repository with two branches, tags and a pull-request ref.
type fixture struct {
	srv                                   *gittest.Server
	url                                   string
	first, second, feature, pull, release string
}

func newFixture(t *testing.T, user, pass string) fixture {
	srv := gittest.NewServer(t, user, pass)
	r := gittest.InitRepo(t, srv.Root(), "app.git", "master")
	f := fixture{srv: srv, url: srv.RepoURL("app.git")}
	f.first = r.Commit(map[string]string{"README.md": "one", "deploy/app.yaml": "kind: A"}, "first commit")
	r.Tag("v1.0.0", "", nil)
	f.release = r.Commit(map[string]string{"README.md": "two"}, "release 1.1")
	r.Tag("v1.1.0", "annotated v1.1.0", nil)
	f.second = r.Commit(map[string]string{"README.md": "three"}, "second commit on master")
	r.Tag("v2.0.0-rc.1", "", nil)
	r.Branch("feature")
	f.feature = r.Commit(map[string]string{"feature.txt": "f"}, "feature work")
	r.Switch("master")
	f.pull = f.feature
	r.SetRef("refs/pull/1/head", f.feature)
	return f
}

func TestCheckout_refs(t *testing.T) {
	f := newFixture(t, "", "")
	tests := []struct {
		name         string
		ref          Reference
		wantRevision string
		wantFile     string
	}{
		{name: "default branch", ref: Reference{}, wantRevision: "master@sha1:" + f.second},
		{name: "branch", ref: Reference{Branch: "feature"}, wantRevision: "feature@sha1:" + f.feature, wantFile: "feature.txt"},
		{name: "lightweight tag", ref: Reference{Tag: "v1.0.0"}, wantRevision: "v1.0.0@sha1:" + f.first},
		{name: "annotated tag", ref: Reference{Tag: "v1.1.0"}, wantRevision: "v1.1.0@sha1:" + f.release},
		{name: "tag wins over branch", ref: Reference{Branch: "feature", Tag: "v1.0.0"}, wantRevision: "v1.0.0@sha1:" + f.first},
		{name: "semver", ref: Reference{SemVer: "1.x"}, wantRevision: "v1.1.0@sha1:" + f.release},
		{name: "semver with prerelease", ref: Reference{SemVer: ">=2.0.0-0"}, wantRevision: "v2.0.0-rc.1@sha1:" + f.second},
		{name: "semver wins over tag", ref: Reference{Tag: "v1.1.0", SemVer: "<1.1.0"}, wantRevision: "v1.0.0@sha1:" + f.first},
		{name: "ref name", ref: Reference{Name: "refs/pull/1/head"}, wantRevision: "refs/pull/1/head@sha1:" + f.pull, wantFile: "feature.txt"},
		{name: "ref name wins over semver", ref: Reference{Name: "refs/heads/feature", SemVer: "1.x"}, wantRevision: "refs/heads/feature@sha1:" + f.feature},
		{name: "commit", ref: Reference{Commit: f.first}, wantRevision: "sha1:" + f.first},
		{name: "commit on branch", ref: Reference{Branch: "master", Commit: f.release}, wantRevision: "master@sha1:" + f.release},
		{name: "commit wins over name", ref: Reference{Name: "refs/pull/1/head", Commit: f.first}, wantRevision: "sha1:" + f.first},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			dir := t.TempDir()
			c, err := Checkout(t.Context(), CloneOptions{URL: f.url, Ref: tt.ref, Dir: dir})
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(Concrete(c)).To(BeTrue())
			g.Expect(Revision(c, tt.ref)).To(Equal(tt.wantRevision))
			g.Expect(filepath.Join(dir, "README.md")).To(BeAnExistingFile())
			if tt.wantFile != "" {
				g.Expect(filepath.Join(dir, tt.wantFile)).To(BeAnExistingFile())
			}
		})
	}
}

func TestCheckout_lastRevisionSkipsClone(t *testing.T) {
	f := newFixture(t, "", "")
	tests := []struct {
		name         string
		ref          Reference
		last         string
		wantConcrete bool
		// Each checkout reads the refs once: a moved branch is fetched on the session whose
		// advertisement showed it (session.go).
		wantAdvertisements, wantUploads int64
	}{
		{name: "branch unchanged", ref: Reference{Branch: "master"}, last: "master@sha1:" + f.second, wantAdvertisements: 1},
		{name: "branch moved", ref: Reference{Branch: "master"}, last: "master@sha1:" + f.first, wantConcrete: true, wantAdvertisements: 1, wantUploads: 1},
		{name: "first checkout", ref: Reference{Branch: "master"}, wantConcrete: true, wantAdvertisements: 1, wantUploads: 1},
		{name: "tag unchanged", ref: Reference{Tag: "v1.1.0"}, last: "v1.1.0@sha1:" + f.release, wantAdvertisements: 1},
		{name: "tag moved", ref: Reference{Tag: "v1.1.0"}, last: "v1.1.0@sha1:" + f.first, wantConcrete: true, wantAdvertisements: 1, wantUploads: 1},
		{name: "ref name unchanged", ref: Reference{Name: "refs/pull/1/head"}, last: "refs/pull/1/head@sha1:" + f.pull, wantAdvertisements: 1},
		{name: "ref name moved", ref: Reference{Name: "refs/pull/1/head"}, last: "refs/pull/1/head@sha1:" + f.first, wantConcrete: true, wantAdvertisements: 1, wantUploads: 1},
		{name: "commit unchanged", ref: Reference{Commit: f.first}, last: "sha1:" + f.first},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			f.srv.ResetCounters()
			c, err := Checkout(t.Context(), CloneOptions{URL: f.url, Ref: tt.ref, Dir: t.TempDir(), LastRevision: tt.last})
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(Concrete(c)).To(Equal(tt.wantConcrete))
			g.Expect(f.srv.UploadPacks.Load()).To(Equal(tt.wantUploads))
			g.Expect(f.srv.Advertisements.Load()).To(Equal(tt.wantAdvertisements))
			if !tt.wantConcrete {
				g.Expect(Revision(c, tt.ref)).To(Equal(tt.last))
			}
		})
	}
}

func TestCheckout_sparse(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t, "", "")
	dir := t.TempDir()
	_, err := Checkout(t.Context(), CloneOptions{URL: f.url, Dir: dir, SparseCheckout: []string{"deploy/"}})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(filepath.Join(dir, "deploy", "app.yaml")).To(BeAnExistingFile())
	g.Expect(filepath.Join(dir, "README.md")).NotTo(BeAnExistingFile())
}

func TestCheckout_auth(t *testing.T) {
	f := newFixture(t, "alice", "s3cret-pass")
	knownHosts := f.srv.StartSSHServer(t)
	identity, _ := gittest.SSHKeyPair(t)
	_, otherHostKey := gittest.SSHKeyPair(t)
	host := strings.TrimPrefix(f.srv.SSHAddress(), "ssh://git@")
	hostPattern := "[" + strings.Replace(host, ":", "]:", 1)
	wrongKnownHosts := []byte(hostPattern + " " + string(otherHostKey))
	rsa, err := fluxssh.NewRSAGenerator(2048).Generate()
	if err != nil {
		t.Fatal(err)
	}
	otherRSAKnownHosts := []byte(hostPattern + " " + string(rsa.PublicKey))
	// The server's real key, listed for another port.
	otherHostKnownHosts := []byte("[127.0.0.2]:22 " + strings.SplitN(strings.TrimSpace(string(knownHosts)), " ", 2)[1])

	tests := []struct {
		name      string
		url       string
		secret    map[string][]byte
		wantKind  Kind
		wantErr   bool
		wantInMsg string
	}{
		{name: "http basic auth", url: f.url, secret: map[string][]byte{"username": []byte("alice"), "password": []byte("s3cret-pass")}},
		{name: "http wrong password", url: f.url, secret: map[string][]byte{"username": []byte("alice"), "password": []byte("wrong-pass")}, wantErr: true, wantKind: KindAuth},
		{name: "http no credentials", url: f.url, wantErr: true, wantKind: KindAuth},
		{name: "ssh identity and known_hosts", url: f.srv.SSHRepoURL("app.git"), secret: map[string][]byte{"identity": identity, "known_hosts": knownHosts}},
		{name: "ssh host key of another type", url: f.srv.SSHRepoURL("app.git"), secret: map[string][]byte{"identity": identity, "known_hosts": wrongKnownHosts}, wantErr: true, wantKind: KindAuth, wantInMsg: "no common algorithm for host key"},
		{name: "ssh host key mismatch", url: f.srv.SSHRepoURL("app.git"), secret: map[string][]byte{"identity": identity, "known_hosts": otherRSAKnownHosts}, wantErr: true, wantKind: KindAuth, wantInMsg: "knownhosts: key mismatch"},
		{name: "ssh host not in known_hosts", url: f.srv.SSHRepoURL("app.git"), secret: map[string][]byte{"identity": identity, "known_hosts": otherHostKnownHosts}, wantErr: true, wantKind: KindAuth, wantInMsg: "knownhosts: key is unknown"},
		{name: "ssh without known_hosts", url: f.srv.SSHRepoURL("app.git"), secret: map[string][]byte{"identity": identity}, wantErr: true, wantKind: KindAuth},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			c, err := Checkout(t.Context(), CloneOptions{URL: tt.url, SecretData: tt.secret, Dir: t.TempDir()})
			if !tt.wantErr {
				g.Expect(err).NotTo(HaveOccurred())
				g.Expect(Revision(c, Reference{})).To(Equal("master@sha1:" + f.second))
				return
			}
			g.Expect(err).To(HaveOccurred())
			g.Expect(KindOf(err)).To(Equal(tt.wantKind), err.Error())
			g.Expect(err.Error()).To(ContainSubstring(tt.wantInMsg))
			g.Expect(err.Error()).NotTo(ContainSubstring("wrong-pass"))
			g.Expect(err.Error()).NotTo(ContainSubstring("s3cret-pass"))
		})
	}
}

func TestCheckout_failures(t *testing.T) {
	f := newFixture(t, "", "")
	gittest.InitRepo(t, f.srv.Root(), "empty.git", "master")
	tests := []struct {
		name      string
		url       string
		ref       Reference
		wantKind  Kind
		wantInMsg string
	}{
		{name: "missing branch", url: f.url, ref: Reference{Branch: "nope"}, wantKind: KindNotFound, wantInMsg: "nope"},
		{name: "missing tag", url: f.url, ref: Reference{Tag: "v9.9.9"}, wantKind: KindNotFound, wantInMsg: "v9.9.9"},
		{name: "no tag matches semver", url: f.url, ref: Reference{SemVer: ">=5.0.0"}, wantKind: KindNotFound, wantInMsg: "no match found for semver: >=5.0.0"},
		{name: "invalid semver", url: f.url, ref: Reference{SemVer: "not a range"}, wantKind: KindURLInvalid, wantInMsg: "semver"},
		{name: "missing ref name", url: f.url, ref: Reference{Name: "refs/pull/9/head"}, wantKind: KindNotFound, wantInMsg: "refs/pull/9/head"},
		{name: "missing commit", url: f.url, ref: Reference{Commit: strings.Repeat("a", 40)}, wantKind: KindNotFound, wantInMsg: strings.Repeat("a", 40)},
		{name: "missing repository", url: f.srv.RepoURL("nope.git"), wantKind: KindNotFound},
		{name: "empty repository with tag", url: f.srv.RepoURL("empty.git"), ref: Reference{Tag: "v1"}, wantKind: KindEmpty},
		{name: "unreachable host", url: "http://" + gittest.ClosedPort(t) + "/app.git", wantKind: KindGeneric, wantInMsg: "connection refused"},
		{name: "unsupported scheme", url: "git://example.com/app.git", wantKind: KindURLInvalid, wantInMsg: "unsupported URL scheme"},
		{name: "no host", url: "https:///app.git", wantKind: KindURLInvalid, wantInMsg: "no host"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			_, err := Checkout(t.Context(), CloneOptions{URL: tt.url, Ref: tt.ref, Dir: t.TempDir()})
			g.Expect(err).To(HaveOccurred())
			g.Expect(KindOf(err)).To(Equal(tt.wantKind), err.Error())
			g.Expect(err.Error()).To(ContainSubstring(tt.wantInMsg))
		})
	}
}

func TestCheckout_emptyRepositoryDefaultBranch(t *testing.T) {
	g := NewWithT(t)
	srv := gittest.NewServer(t, "", "")
	gittest.InitRepo(t, srv.Root(), "empty.git", "master")
	c, err := Checkout(t.Context(), CloneOptions{URL: srv.RepoURL("empty.git"), Dir: t.TempDir()})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(c).To(BeNil())
}

func TestMask(t *testing.T) {
	secret := map[string][]byte{"password": []byte("hunter22"), "bearerToken": []byte("tok-123456")}
	tests := []struct{ in, want string }{
		{"unable to clone 'https://bob:hunter22@git.example/x.git': 401", "unable to clone 'https://***@git.example/x.git': 401"},
		{"bad token tok-123456 given", "bad token *** given"},
		{"ssh://git@host:22/x", "ssh://***@host:22/x"},
		{"nothing secret here", "nothing secret here"},
	}
	for _, tt := range tests {
		if got := Mask(tt.in, secret); got != tt.want {
			t.Errorf("Mask(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCleanSparse(t *testing.T) {
	g := NewWithT(t)
	g.Expect(cleanSparse([]string{"./deploy/", "apps"})).To(Equal([]string{"deploy", "apps"}))
	g.Expect(cleanSparse([]string{"apps", "."})).To(BeNil())
	g.Expect(cleanSparse(nil)).To(BeNil())
}

func TestCheckout_timeout(t *testing.T) {
	g := NewWithT(t)
	// A server that accepts the request and never answers.
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	t.Cleanup(hang.Close)
	ctx, cancel := context.WithTimeout(t.Context(), 500*time.Millisecond)
	defer cancel()
	_, err := Checkout(ctx, CloneOptions{URL: hang.URL + "/app.git", Dir: t.TempDir()})
	g.Expect(err).To(HaveOccurred())
	g.Expect(KindOf(err)).To(Equal(KindTimeout), err.Error())
}

func TestCheckout_tls(t *testing.T) {
	f := newFixture(t, "alice", "tls-pass-123")
	front := gittest.NewTLSFront(t, f.srv.HTTPAddress())
	url := front.URL + "/app.git"
	basic := map[string][]byte{"username": []byte("alice"), "password": []byte("tls-pass-123")}
	with := func(extra map[string][]byte) map[string][]byte {
		out := map[string][]byte{}
		for k, v := range basic {
			out[k] = v
		}
		for k, v := range extra {
			out[k] = v
		}
		return out
	}
	tests := []struct {
		name    string
		secret  map[string][]byte
		wantErr string
	}{
		{name: "custom CA and client certificate", secret: with(map[string][]byte{"ca.crt": front.CA, "tls.crt": front.ClientCert, "tls.key": front.ClientKey})},
		{name: "unknown CA", secret: with(map[string][]byte{"tls.crt": front.ClientCert, "tls.key": front.ClientKey}), wantErr: "x509: certificate signed by unknown authority"},
		{name: "no client certificate", secret: with(map[string][]byte{"ca.crt": front.CA}), wantErr: "remote error: tls: certificate required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			c, err := Checkout(t.Context(), CloneOptions{URL: url, SecretData: tt.secret, Dir: t.TempDir()})
			if tt.wantErr == "" {
				g.Expect(err).NotTo(HaveOccurred())
				g.Expect(Revision(c, Reference{})).To(Equal("master@sha1:" + f.second))
				return
			}
			g.Expect(err).To(MatchError(ContainSubstring(tt.wantErr)))
			g.Expect(KindOf(err)).To(Equal(KindAuth), err.Error())
			g.Expect(err.Error()).NotTo(ContainSubstring("tls-pass-123"))
		})
	}
}
