package gitrepository

import (
	"testing"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	sourcev1 "github.com/eddy-gitops/eddy/api/source/v1"
	"github.com/eddy-gitops/eddy/source-controller/internal/git/gittest"
)

// TestGitRepository_bearerToken clones over HTTPS from a server that only accepts
// `Authorization: Bearer <token>`; a wrong token is AuthenticationFailed and no token, right or
// wrong, appears in status or events.
func TestGitRepository_bearerToken(t *testing.T) {
	const token = "ghp-correct-token-4711"
	srv := gittest.NewBearerServer(t, token)
	sha := gittest.InitRepo(t, srv.Root(), "private.git", "master").Commit(map[string]string{"app.yaml": "kind: Token\n"}, "token commit")
	front := gittest.NewTLSFront(t, srv.HTTPAddress())
	ns := env.CreateNamespace(t, "git-bearer")

	tests := []struct {
		name       string
		token      string
		wantReason string // "" means Ready
	}{
		{name: "right-token", token: token},
		{name: "wrong-token", token: "ghp-wrong-token-0815", wantReason: sourcev1.AuthenticationFailedReason},
		{name: "no-token", wantReason: sourcev1.AuthenticationFailedReason},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g := NewWithT(t)
			data := map[string]string{"ca.crt": string(front.CA), "tls.crt": string(front.ClientCert), "tls.key": string(front.ClientKey)}
			if tt.token != "" {
				data["bearerToken"] = tt.token
			}
			env.CreateAndWait(t, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: tt.name}, StringData: data})
			obj := newGitRepository(ns, tt.name, front.URL+"/private.git", func(s *sourcev1.GitRepositorySpec) {
				s.SecretRef = &meta.LocalObjectReference{Name: tt.name}
			})
			env.CreateAndWait(t, obj)
			if tt.wantReason == "" {
				got := waitReady(t, obj)
				g.Expect(got.Status.Artifact.Revision).To(Equal("master@sha1:" + sha))
				g.Expect(download(t, got.Status.Artifact)).To(HaveKeyWithValue("app.yaml", "kind: Token\n"))
				return
			}
			got := waitNotReady(t, obj, tt.wantReason)
			g.Expect(conditions.GetReason(got, sourcev1.FetchFailedCondition)).To(Equal(tt.wantReason))
			g.Expect(conditions.Has(got, meta.StalledCondition)).To(BeFalse(), "a token may be fixed in the Secret")
			g.Expect(got.Status.Artifact).To(BeNil())
			msg := conditions.GetMessage(got, meta.ReadyCondition)
			g.Expect(msg).To(ContainSubstring("authentication required"))
			ev := waitEvent(t, obj, corev1.EventTypeWarning, tt.wantReason)
			for _, text := range []string{msg, ev.Message} {
				g.Expect(text).NotTo(ContainSubstring(token))
				g.Expect(text).NotTo(ContainSubstring("ghp-wrong-token-0815"))
			}
		})
	}
}
