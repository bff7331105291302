package git

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
	"time"

	extgogit "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/storage/memory"
	. "github.com/onsi/gomega"

	"github.com/eddy-gitops/eddy/source-controller/internal/git/gittest"
)

// Over SSH the listing and the clone of one checkout share one connection (session.go), and the
// connection is closed when Checkout returns, whether or not it fetched.
func TestCheckout_sshOneConnection(t *testing.T) {
	f := newFixture(t, "", "")
	knownHosts := f.srv.StartSSHServer(t)
	identity, _ := gittest.SSHKeyPair(t)
	host := strings.TrimPrefix(f.srv.SSHAddress(), "ssh://git@")
	proxy := gittest.NewTCPCounter(t, host)
	// The host key, listed for the proxy's port.
	key := strings.SplitN(strings.TrimSpace(string(knownHosts)), " ", 2)[1]
	proxyKnownHosts := []byte("[" + strings.Replace(proxy.Addr, ":", "]:", 1) + " " + key)
	secret := map[string][]byte{"identity": identity, "known_hosts": proxyKnownHosts}
	repoURL := "ssh://git@" + proxy.Addr + "/app.git"

	tests := []struct {
		name         string
		last         string
		wantConcrete bool
	}{
		{name: "first checkout", wantConcrete: true},
		{name: "branch moved", last: "master@sha1:" + f.first, wantConcrete: true},
		{name: "branch unchanged", last: "master@sha1:" + f.second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			proxy.Connections.Store(0)
			c, err := Checkout(t.Context(), CloneOptions{URL: repoURL, SecretData: secret, Dir: t.TempDir(), LastRevision: tt.last})
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(Concrete(c)).To(Equal(tt.wantConcrete))
			g.Expect(Revision(c, Reference{})).To(Equal("master@sha1:" + f.second))
			g.Expect(proxy.Connections.Load()).To(Equal(int64(1)))
			g.Eventually(proxy.Open.Load, 5*time.Second, 10*time.Millisecond).Should(BeZero(), "the SSH connection is left open")
		})
	}
}

// A repository that moved answers its ref advertisement with a redirect; go-git follows it for
// that first request only and sends the fetch to where it was redirected. The fetch must go out
// on the session that followed the redirect, not on one that never saw it.
func TestCheckout_redirectedRepository(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t, "", "")
	backend, err := url.Parse(f.srv.HTTPAddress())
	g.Expect(err).NotTo(HaveOccurred())
	proxy := httputil.NewSingleHostReverseProxy(backend)
	var postsToOldPath int
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rest, ok := strings.CutPrefix(r.URL.Path, "/old.git/"); ok {
			if r.Method != http.MethodGet {
				postsToOldPath++
				http.Error(w, "moved", http.StatusGone)
				return
			}
			http.Redirect(w, r, "/app.git/"+rest+"?"+r.URL.RawQuery, http.StatusMovedPermanently)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)

	f.srv.ResetCounters()
	c, err := Checkout(t.Context(), CloneOptions{URL: front.URL + "/old.git", Dir: t.TempDir(), LastRevision: "master@sha1:" + f.first})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(Concrete(c)).To(BeTrue())
	g.Expect(Revision(c, Reference{})).To(Equal("master@sha1:" + f.second))
	g.Expect(postsToOldPath).To(BeZero())
	g.Expect(f.srv.Advertisements.Load()).To(Equal(int64(1)))
	g.Expect(f.srv.UploadPacks.Load()).To(Equal(int64(1)))
}

// Outside a Checkout (the all-in-one binary's other Git users, tests) the wrapped transports
// behave as go-git's own: nothing is shared, each operation asks for the refs.
func TestTransportOutsideCheckout(t *testing.T) {
	g := NewWithT(t)
	f := newFixture(t, "", "")
	f.srv.ResetCounters()
	remote := extgogit.NewRemote(memory.NewStorage(), &config.RemoteConfig{Name: "origin", URLs: []string{f.url}})
	refs, err := remote.ListContext(t.Context(), &extgogit.ListOptions{})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(refs).NotTo(BeEmpty())
	repo, err := extgogit.PlainCloneContext(t.Context(), t.TempDir(), false, &extgogit.CloneOptions{URL: f.url, Depth: 1})
	g.Expect(err).NotTo(HaveOccurred())
	head, err := repo.Head()
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(head.Hash().String()).To(Equal(f.second))
	g.Expect(f.srv.Advertisements.Load()).To(Equal(int64(2)))
	g.Expect(f.srv.UploadPacks.Load()).To(Equal(int64(1)))
}
