package integration

import (
	"crypto/sha1" //nolint:gosec // GitHub's legacy X-Hub-Signature is HMAC-SHA1.
	"crypto/sha256"
	"os"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	notifv1 "github.com/eddy-gitops/eddy/api/notification/v1"
)

func githubPushPayload(t *testing.T) []byte {
	t.Helper()
	body, err := os.ReadFile("testdata/github-push.json")
	if err != nil {
		t.Fatal(err)
	}
	return body
}

// githubHeaders are the headers GitHub sends with a delivery, signed with token.
func githubHeaders(token, event, delivery string, body []byte) map[string]string {
	return map[string]string{
		"Content-Type":        "application/json",
		"User-Agent":          "GitHub-Hookshot/5d6e3a1",
		"X-GitHub-Event":      event,
		"X-GitHub-Delivery":   delivery,
		"X-GitHub-Hook-ID":    "512345678",
		"X-Hub-Signature":     "sha1=" + sign(sha1.New, token, body),
		"X-Hub-Signature-256": "sha256=" + sign(sha256.New, token, body),
	}
}

// TestGitHubPush is the scenario: a push delivery, signed with HMAC-SHA256 exactly as
// GitHub signs it, makes the GitRepository in the API server carry a new requestedAt; the same
// delivery replayed is refused and changes nothing.
func TestGitHubPush(t *testing.T) {
	g := NewWithT(t)
	ns := env.CreateNamespace(t, "github-push")
	newGitRepository(t, ns, "podinfo", nil)
	hook := newHook(t, ns, notifv1.GitHubReceiver, func(r *notifv1.Receiver) {
		r.Spec.Events = []string{"ping", "push"}
	})
	_, annotated := requestedAt(t, ns, "podinfo")
	g.Expect(annotated).To(BeFalse())

	body := githubPushPayload(t)
	code, msg := post(t, hook.url, githubHeaders(hook.token, "push", "8b1f2a30-cafe-11f0-8e3d-6f6d1f1c0001", body), body)
	g.Expect(code).To(Equal(200), msg)
	g.Expect(msg).To(ContainSubstring("1 object(s)"))

	first, annotated := requestedAt(t, ns, "podinfo")
	g.Expect(annotated).To(BeTrue())
	// The value is metav1.Now().String(), as Flux writes it.
	stamp, _, _ := strings.Cut(first, " m=")
	_, err := time.Parse("2006-01-02 15:04:05.999999999 -0700 MST", stamp)
	g.Expect(err).NotTo(HaveOccurred(), "requestedAt %q", first)

	// The captured delivery sent again is a replay.
	code, msg = post(t, hook.url, githubHeaders(hook.token, "push", "8b1f2a30-cafe-11f0-8e3d-6f6d1f1c0001", body), body)
	g.Expect(code).To(Equal(400), msg)
	g.Expect(msg).To(ContainSubstring("replay"))
	// So is the same signed body under a forged delivery id.
	code, _ = post(t, hook.url, githubHeaders(hook.token, "push", "forged-id", body), body)
	g.Expect(code).To(Equal(400))
	again, _ := requestedAt(t, ns, "podinfo")
	g.Expect(again).To(Equal(first))

	// The next push is a new body and a new delivery: accepted.
	next := []byte(strings.Replace(string(body), "59b20b8d5c6ff8d09518454d4dd8b7a30f095ab5", "0c2b7e5d1f3a4b6c8d9e0f1a2b3c4d5e6f7a8b9c", -1))
	code, msg = post(t, hook.url, githubHeaders(hook.token, "push", "8b1f2a30-cafe-11f0-8e3d-6f6d1f1c0002", next), next)
	g.Expect(code).To(Equal(200), msg)
	second, _ := requestedAt(t, ns, "podinfo")
	g.Expect(second).NotTo(Equal(first))
}

func TestGitHubVerification(t *testing.T) {
	body := githubPushPayload(t)
	tests := []struct {
		name          string
		headers       func(token string) map[string]string
		body          []byte
		wantCode      int
		wantMsg       string
		wantAnnotated bool
	}{
		{
			name: "X-Hub-Signature-256 alone is accepted",
			headers: func(tok string) map[string]string {
				return without(githubHeaders(tok, "push", "d1", body), "X-Hub-Signature")
			},
			wantCode: 200, wantAnnotated: true,
		},
		{
			name: "legacy X-Hub-Signature (sha1) alone is accepted",
			headers: func(tok string) map[string]string {
				return without(githubHeaders(tok, "push", "d2", body), "X-Hub-Signature-256")
			},
			wantCode: 200, wantAnnotated: true,
		},
		{
			name:     "signed with another secret",
			headers:  func(string) map[string]string { return githubHeaders("not-the-token", "push", "d3", body) },
			wantCode: 400, wantMsg: "does not match",
		},
		{
			name:     "payload changed after signing",
			headers:  func(tok string) map[string]string { return githubHeaders(tok, "push", "d4", body) },
			body:     append([]byte(" "), body...),
			wantCode: 400, wantMsg: "does not match",
		},
		{
			name: "no signature at all",
			headers: func(tok string) map[string]string {
				return without(githubHeaders(tok, "push", "d5", body), "X-Hub-Signature", "X-Hub-Signature-256")
			},
			wantCode: 400, wantMsg: "missing X-Hub-Signature",
		},
		{
			name: "signature that is not hex",
			headers: func(tok string) map[string]string {
				return map[string]string{"X-GitHub-Event": "push", "X-Hub-Signature-256": "sha256=zz"}
			},
			wantCode: 400, wantMsg: "not hex",
		},
		{
			name:     "ping is answered and reconciles nothing",
			headers:  func(tok string) map[string]string { return githubHeaders(tok, "ping", "d6", body) },
			wantCode: 200, wantMsg: "pong",
		},
		{
			name:     "event not in spec.events",
			headers:  func(tok string) map[string]string { return githubHeaders(tok, "issues", "d7", body) },
			wantCode: 400, wantMsg: `event "issues" is not in spec.events`,
		},
		{
			name: "missing X-GitHub-Event",
			headers: func(tok string) map[string]string {
				return without(githubHeaders(tok, "", "d8", body), "X-GitHub-Event")
			},
			wantCode: 400, wantMsg: "missing X-GitHub-Event",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			ns := env.CreateNamespace(t, "github")
			newGitRepository(t, ns, "podinfo", nil)
			hook := newHook(t, ns, notifv1.GitHubReceiver, func(r *notifv1.Receiver) { r.Spec.Events = []string{"push"} })
			sent := body
			if tt.body != nil {
				sent = tt.body
			}
			code, msg := post(t, hook.url, tt.headers(hook.token), sent)
			g.Expect(code).To(Equal(tt.wantCode), msg)
			g.Expect(msg).To(ContainSubstring(tt.wantMsg))
			g.Expect(msg).NotTo(ContainSubstring(hook.token))
			_, annotated := requestedAt(t, ns, "podinfo")
			g.Expect(annotated).To(Equal(tt.wantAnnotated))
		})
	}
}

// without returns headers without the named keys.
func without(headers map[string]string, drop ...string) map[string]string {
	for _, k := range drop {
		delete(headers, k)
	}
	return headers
}
