package gitrepository

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	sourcev1 "github.com/eddy-gitops/eddy/api/source/v1"
	"github.com/eddy-gitops/eddy/source-controller/internal/git/gittest"
)

func TestGitRepository_auth(t *testing.T) {
	const password = "correct-horse-battery"
	srv := gittest.NewServer(t, "alice", password)
	repo := gittest.InitRepo(t, srv.Root(), "private.git", "master")
	sha := repo.Commit(map[string]string{"app.yaml": "kind: Private\n"}, "private commit")
	knownHosts := srv.StartSSHServer(t)
	identity, _ := gittest.SSHKeyPair(t)
	_, strangerKey := gittest.SSHKeyPair(t)
	host := strings.TrimPrefix(srv.SSHAddress(), "ssh://git@")
	wrongKnownHosts := "[" + strings.Replace(host, ":", "]:", 1) + " " + string(strangerKey)

	ns := env.CreateNamespace(t, "git-auth")
	tests := []struct {
		name       string
		url        string
		secret     map[string]string // nil: no secretRef
		wantReason string            // "" means Ready
		wantInMsg  string
	}{
		{name: "http-basic", url: srv.RepoURL("private.git"), secret: map[string]string{"username": "alice", "password": password}},
		{name: "ssh-identity", url: srv.SSHRepoURL("private.git"), secret: map[string]string{"identity": string(identity), "known_hosts": string(knownHosts)}},
		{name: "http-wrong-password", url: srv.RepoURL("private.git"), secret: map[string]string{"username": "alice", "password": "wrong-password-123"},
			wantReason: sourcev1.AuthenticationFailedReason, wantInMsg: "authentication required"},
		{name: "http-anonymous", url: srv.RepoURL("private.git"), wantReason: sourcev1.AuthenticationFailedReason, wantInMsg: "authentication required"},
		{name: "ssh-unknown-host-key", url: srv.SSHRepoURL("private.git"), secret: map[string]string{"identity": string(identity), "known_hosts": wrongKnownHosts},
			wantReason: sourcev1.AuthenticationFailedReason, wantInMsg: "ssh: handshake failed"},
		{name: "ssh-no-known-hosts", url: srv.SSHRepoURL("private.git"), secret: map[string]string{"identity": string(identity)},
			wantReason: sourcev1.AuthenticationFailedReason, wantInMsg: "'known_hosts' is required"},
		{name: "missing-secret", url: srv.RepoURL("private.git"), secret: map[string]string{}, wantReason: sourcev1.AuthenticationFailedReason, wantInMsg: "not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g := NewWithT(t)
			obj := newGitRepository(ns, tt.name, tt.url)
			if tt.secret != nil {
				obj.Spec.SecretRef = &meta.LocalObjectReference{Name: tt.name + "-auth"}
				if len(tt.secret) > 0 {
					env.CreateAndWait(t, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: tt.name + "-auth"}, StringData: tt.secret})
				}
			}
			env.CreateAndWait(t, obj)
			if tt.wantReason == "" {
				got := waitReady(t, obj)
				g.Expect(got.Status.Artifact.Revision).To(Equal("master@sha1:" + sha))
				g.Expect(download(t, got.Status.Artifact)).To(HaveKeyWithValue("app.yaml", "kind: Private\n"))
				return
			}
			got := waitNotReady(t, obj, tt.wantReason)
			g.Expect(conditions.IsTrue(got, sourcev1.FetchFailedCondition)).To(BeTrue())
			g.Expect(conditions.GetReason(got, sourcev1.FetchFailedCondition)).To(Equal(tt.wantReason))
			g.Expect(conditions.IsTrue(got, meta.ReconcilingCondition)).To(BeTrue(), "retrying")
			g.Expect(conditions.GetReason(got, meta.ReconcilingCondition)).To(Equal(meta.ProgressingWithRetryReason))
			g.Expect(conditions.Has(got, meta.StalledCondition)).To(BeFalse())
			g.Expect(got.Status.Artifact).To(BeNil())
			msg := conditions.GetMessage(got, meta.ReadyCondition)
			g.Expect(msg).To(ContainSubstring(tt.wantInMsg))
			ev := waitEvent(t, obj, corev1.EventTypeWarning, tt.wantReason)
			for _, text := range []string{msg, ev.Message} {
				g.Expect(text).NotTo(ContainSubstring(password))
				g.Expect(text).NotTo(ContainSubstring("wrong-password-123"))
				g.Expect(text).NotTo(ContainSubstring("PRIVATE KEY"))
			}
		})
	}
}

// proxyServer is a plain HTTP forward proxy that counts the requests it forwards and requires
// basic proxy credentials.
func proxyServer(t *testing.T, user, pass string) (*httptest.Server, *atomic.Int64) {
	var forwarded atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, ok := parseProxyAuth(r.Header.Get("Proxy-Authorization"))
		if !ok || u != user || p != pass {
			w.Header().Set("Proxy-Authenticate", `Basic realm="proxy"`)
			w.WriteHeader(http.StatusProxyAuthRequired)
			return
		}
		out := r.Clone(r.Context())
		out.RequestURI = ""
		out.Header.Del("Proxy-Authorization")
		resp, err := http.DefaultTransport.RoundTrip(out)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		forwarded.Add(1)
		for k, vs := range resp.Header {
			for _, v := range vs {
				w.Header().Add(k, v)
			}
		}
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body)
	}))
	t.Cleanup(srv.Close)
	return srv, &forwarded
}

func parseProxyAuth(h string) (user, pass string, ok bool) {
	r := &http.Request{Header: http.Header{"Authorization": []string{h}}}
	return r.BasicAuth()
}

func TestGitRepository_proxy(t *testing.T) {
	g := NewWithT(t)
	srv := gittest.NewServer(t, "", "")
	sha := gittest.InitRepo(t, srv.Root(), "app.git", "master").Commit(map[string]string{"a": "a"}, "a")
	proxy, forwarded := proxyServer(t, "proxy-user", "proxy-pass")
	ns := env.CreateNamespace(t, "git-proxy")
	env.CreateAndWait(t, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "proxy"},
		StringData: map[string]string{"address": proxy.URL, "username": "proxy-user", "password": "proxy-pass"}})
	env.CreateAndWait(t, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "bad-proxy"},
		StringData: map[string]string{"address": proxy.URL, "username": "proxy-user", "password": "nope-nope"}})

	obj := newGitRepository(ns, "via-proxy", srv.RepoURL("app.git"), func(s *sourcev1.GitRepositorySpec) {
		s.ProxySecretRef = &meta.LocalObjectReference{Name: "proxy"}
	})
	env.CreateAndWait(t, obj)
	got := waitReady(t, obj)
	g.Expect(got.Status.Artifact.Revision).To(Equal("master@sha1:" + sha))
	g.Expect(forwarded.Load()).To(BeNumerically(">=", 2), "advertisement and upload-pack went through the proxy")

	bad := newGitRepository(ns, "bad-proxy", srv.RepoURL("app.git"), func(s *sourcev1.GitRepositorySpec) {
		s.ProxySecretRef = &meta.LocalObjectReference{Name: "bad-proxy"}
	})
	env.CreateAndWait(t, bad)
	got = waitNotReady(t, bad, sourcev1.GitOperationFailedReason)
	g.Expect(conditions.GetMessage(got, meta.ReadyCondition)).To(ContainSubstring("407"))
	g.Expect(conditions.GetMessage(got, meta.ReadyCondition)).NotTo(ContainSubstring("nope-nope"))
}
