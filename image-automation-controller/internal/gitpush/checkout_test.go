package gitpush

import (
	"testing"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/transport"
	. "github.com/onsi/gomega"

	"github.com/eddy-gitops/eddy/image-automation-controller/internal/gitpush/gitpushtest"
)

// checkoutRepo makes a repository whose main branch has moved on from the release commit, with
// tags and a pull-request reference on older commits, so that a run that ignored the checkout
// reference would build on the wrong parent. It returns the commits by name.
func checkoutRepo(t *testing.T, srv *gitpushtest.Server) map[string]plumbing.Hash {
	srv.InitRepo(t, repoPath, "main", map[string]string{"app.yaml": "image: v1\n"})
	commits := map[string]plumbing.Hash{"v1": srv.Head(t, repoPath, "main").Hash}
	commits["v2"] = plumbing.NewHash(srv.PushFile(t, repoPath, "main", "app.yaml", "image: v2\n", "v2"))
	commits["pr"] = plumbing.NewHash(srv.PushFile(t, repoPath, "main", "app.yaml", "image: pr\n", "pr"))
	commits["main"] = plumbing.NewHash(srv.PushFile(t, repoPath, "main", "app.yaml", "image: main\n", "main"))
	srv.Tag(t, repoPath, "v1.0.0", commits["v1"], false)
	srv.Tag(t, repoPath, "v2.0.0", commits["v2"], true)
	srv.Tag(t, repoPath, "not-a-version", commits["pr"], false)
	srv.SetRef(t, repoPath, "refs/pull/1/head", commits["pr"])
	return commits
}

func TestRunCheckoutRef(t *testing.T) {
	srv := gitpushtest.NewServer(t)
	commits := checkoutRepo(t, srv)
	tests := []struct {
		name       string
		branch     string
		ref        CheckoutRef
		wantParent string
	}{
		{name: "lightweight tag", ref: CheckoutRef{Tag: "v1.0.0"}, wantParent: "v1"},
		{name: "annotated tag is peeled to its commit", ref: CheckoutRef{Tag: "v2.0.0"}, wantParent: "v2"},
		{name: "semver range picks the highest matching tag", ref: CheckoutRef{SemVer: ">=1.0.0"}, wantParent: "v2"},
		{name: "semver range below the highest tag", ref: CheckoutRef{SemVer: "<2.0.0"}, wantParent: "v1"},
		{name: "commit found among all branches", ref: CheckoutRef{Commit: commits["v2"].String()}, wantParent: "v2"},
		{name: "commit on the given branch", branch: "main", ref: CheckoutRef{Commit: commits["v1"].String()}, wantParent: "v1"},
		{name: "full reference name", ref: CheckoutRef{Name: "refs/pull/1/head"}, wantParent: "pr"},
		{name: "commit wins over tag", ref: CheckoutRef{Commit: commits["pr"].String(), Tag: "v1.0.0"}, wantParent: "pr"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			cfg := httpConfig(t, srv)
			cfg.CheckoutBranch, cfg.CheckoutRef = tt.branch, tt.ref
			cfg.PushBranch = "auto-" + string(rune('a'+i))

			res, err := NewCache(t.TempDir()).Run(t.Context(), cfg, writeUpdate("app.yaml", "image: auto\n", "Update"))
			g.Expect(err).NotTo(HaveOccurred())
			head := srv.Head(t, repoPath, cfg.PushBranch)
			g.Expect(head).NotTo(BeNil())
			g.Expect(head.Hash.String()).To(Equal(res.Commit))
			g.Expect(head.ParentHashes).To(Equal([]plumbing.Hash{commits[tt.wantParent]}))
			g.Expect(res.Base).To(Equal(commits[tt.wantParent].String()))
			g.Expect(srv.Head(t, repoPath, "main").Hash).To(Equal(commits["main"]), "main is untouched")
		})
	}
}

func TestRunCheckoutRefFailures(t *testing.T) {
	srv := gitpushtest.NewServer(t)
	commits := checkoutRepo(t, srv)
	tests := []struct {
		name       string
		ref        CheckoutRef
		pushBranch string
		wantErr    string
	}{
		{name: "tag without a push branch", ref: CheckoutRef{Tag: "v1.0.0"}, wantErr: "checking out tag 'v1.0.0' needs a push branch"},
		{name: "missing tag", ref: CheckoutRef{Tag: "v9"}, pushBranch: "auto", wantErr: "tag 'v9' not found in the repository"},
		{name: "no tag in range", ref: CheckoutRef{SemVer: ">=5.0.0"}, pushBranch: "auto", wantErr: "no tag in the repository matches semver range '>=5.0.0'"},
		{name: "invalid range", ref: CheckoutRef{SemVer: "not a range"}, pushBranch: "auto", wantErr: "invalid semver range 'not a range'"},
		{name: "missing reference", ref: CheckoutRef{Name: "refs/pull/9/head"}, pushBranch: "auto", wantErr: "reference 'refs/pull/9/head' not found"},
		{name: "short commit", ref: CheckoutRef{Commit: "abc123"}, pushBranch: "auto", wantErr: "is not a full SHA-1"},
		{name: "unknown commit", ref: CheckoutRef{Commit: "0123456789abcdef0123456789abcdef01234567"}, pushBranch: "auto", wantErr: "commit '0123456789abcdef0123456789abcdef01234567' not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			cfg := httpConfig(t, srv)
			cfg.CheckoutBranch, cfg.CheckoutRef, cfg.PushBranch = "", tt.ref, tt.pushBranch
			_, err := NewCache(t.TempDir()).Run(t.Context(), cfg, writeUpdate("app.yaml", "image: auto\n", "Update"))
			g.Expect(err).To(MatchError(ContainSubstring(tt.wantErr)))
			g.Expect(err).To(BeAssignableToTypeOf(&ConfigError{}))
			g.Expect(srv.Head(t, repoPath, "auto")).To(BeNil(), "nothing was pushed")
			g.Expect(srv.Head(t, repoPath, "main").Hash).To(Equal(commits["main"]))
		})
	}
}

func TestRunThroughProxy(t *testing.T) {
	g := NewWithT(t)
	srv := gitpushtest.NewServer(t)
	srv.InitRepo(t, repoPath, "main", map[string]string{"app.yaml": "image: v1\n"})
	proxy, forwarded := gitpushtest.Proxy(t, "proxy-user", "proxy-pa55")

	cfg := httpConfig(t, srv)
	cfg.Proxy = transport.ProxyOptions{URL: proxy.URL, Username: "proxy-user", Password: "wrong-proxy-pa55"}
	_, err := NewCache(t.TempDir()).Run(t.Context(), cfg, writeUpdate("app.yaml", "image: v2\n", "Update"))
	g.Expect(err).To(HaveOccurred(), "the proxy refuses wrong credentials, so the run did go through it")
	g.Expect(err.Error()).NotTo(ContainSubstring("wrong-proxy-pa55"))
	g.Expect(forwarded.Load()).To(BeZero())

	cfg.Proxy.Password = "proxy-pa55"
	res, err := NewCache(t.TempDir()).Run(t.Context(), cfg, writeUpdate("app.yaml", "image: v2\n", "Update"))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(srv.Head(t, repoPath, "main").Hash.String()).To(Equal(res.Commit))
	// Advertisement, fetch, push advertisement and push.
	g.Expect(forwarded.Load()).To(BeNumerically(">=", 4))
}
