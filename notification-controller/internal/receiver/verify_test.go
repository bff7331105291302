package receiver

import (
	"crypto/hmac"
	"crypto/sha1" //nolint:gosec // senders' legacy signatures
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"net/http"
	"testing"

	. "github.com/onsi/gomega"

	notifv1 "github.com/eddy-gitops/eddy/api/notification/v1"
)

func mac(h func() hash.Hash, key string, body []byte) string {
	m := hmac.New(h, []byte(key))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

func headers(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Set(kv[i], kv[i+1])
	}
	return h
}

func TestVerify(t *testing.T) {
	const token = "t0ken"
	body := []byte(`{"ref":"refs/heads/main"}`)
	tests := []struct {
		name       string
		typ        string
		header     http.Header
		wantErr    string // "" means accepted
		wantEvent  string
		wantPing   bool
		wantReplay int // number of replay keys
	}{
		{name: "generic", typ: "generic", header: headers()},
		{name: "generic-hmac upper-case hex", typ: "generic-hmac",
			header: headers("X-Signature", "sha256="+upper(mac(sha256.New, token, body))), wantReplay: 1},
		{name: "generic-hmac algorithm case-insensitive", typ: "generic-hmac",
			header: headers("X-Signature", "SHA1="+mac(sha1.New, token, body)), wantReplay: 1},
		{name: "generic-hmac no digest", typ: "generic-hmac", header: headers("X-Signature", "sha256="),
			wantErr: "expected <algorithm>=<hex digest>"},
		{name: "generic-hmac no algorithm", typ: "generic-hmac", header: headers("X-Signature", mac(sha256.New, token, body)),
			wantErr: "expected <algorithm>=<hex digest>"},
		{name: "generic-hmac truncated digest", typ: "generic-hmac",
			header: headers("X-Signature", "sha256="+mac(sha256.New, token, body)[:40]), wantErr: "does not match"},
		{name: "github with delivery id", typ: "github",
			header:    headers("X-Hub-Signature-256", "sha256="+mac(sha256.New, token, body), "X-GitHub-Event", "push", "X-GitHub-Delivery", "d"),
			wantEvent: "push", wantReplay: 2},
		{name: "github prefers sha256 when both are sent", typ: "github",
			header: headers("X-Hub-Signature-256", "sha256="+mac(sha256.New, "other", body),
				"X-Hub-Signature", "sha1="+mac(sha1.New, token, body), "X-GitHub-Event", "push"),
			wantErr: "X-Hub-Signature-256 signature does not match"},
		{name: "github ping", typ: "github",
			header:   headers("X-Hub-Signature-256", "sha256="+mac(sha256.New, token, body), "X-GitHub-Event", "ping"),
			wantPing: true, wantEvent: "ping", wantReplay: 1},
		{name: "gitlab", typ: "gitlab", header: headers("X-Gitlab-Token", token, "X-Gitlab-Event", "Push Hook"), wantEvent: "Push Hook"},
		{name: "gitlab token prefix is not the token", typ: "gitlab", header: headers("X-Gitlab-Token", token[:3]),
			wantErr: "does not match"},
		{name: "bitbucket without event key", typ: "bitbucket",
			header: headers("X-Hub-Signature", "sha256="+mac(sha256.New, token, body)), wantErr: "missing X-Event-Key"},
		{name: "bitbucket with request id", typ: "bitbucket",
			header:    headers("X-Hub-Signature", "sha256="+mac(sha256.New, token, body), "X-Event-Key", "repo:push", "X-Request-UUID", "u"),
			wantEvent: "repo:push", wantReplay: 2},
		{name: "harbor", typ: "harbor", header: headers("Authorization", token)},
		{name: "nexus", typ: "nexus", header: headers("X-Nexus-Webhook-Signature", mac(sha1.New, token, body)), wantReplay: 1},
		{name: "nexus sha256 is not nexus", typ: "nexus", header: headers("X-Nexus-Webhook-Signature", mac(sha256.New, token, body)),
			wantErr: "does not match"},
		{name: "gcr is not supported yet", typ: notifv1.GCRReceiver, header: headers(), wantErr: "not supported yet"},
		{name: "generic-oidc is not supported yet", typ: notifv1.GenericOIDCReceiver, header: headers(), wantErr: "not supported yet"},
		{name: "unknown type", typ: "carrier-pigeon", header: headers(), wantErr: "unknown receiver type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			v, err := verify(tt.typ, []byte(token), tt.header, body)
			if tt.wantErr != "" {
				g.Expect(err).To(MatchError(ContainSubstring(tt.wantErr)))
				g.Expect(err.Error()).NotTo(ContainSubstring(token))
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(v.event).To(Equal(tt.wantEvent))
			g.Expect(v.ping).To(Equal(tt.wantPing))
			g.Expect(v.replayKeys).To(HaveLen(tt.wantReplay))
		})
	}
}

// TestVerifyErrorsNeverLeakTheExpectedSignature: a caller probing with wrong signatures must not
// learn the right one from the answer.
func TestVerifyErrorsNeverLeakTheExpectedSignature(t *testing.T) {
	g := NewWithT(t)
	body := []byte("payload")
	want := mac(sha256.New, "secret", body)
	_, err := verify("generic-hmac", []byte("secret"), headers("X-Signature", "sha256=00"), body)
	g.Expect(err).To(HaveOccurred())
	g.Expect(err.Error()).NotTo(ContainSubstring(want))
}

func TestAllowedEvent(t *testing.T) {
	g := NewWithT(t)
	g.Expect(allowedEvent(nil, "anything")).To(BeTrue())
	g.Expect(allowedEvent([]string{"push"}, "push")).To(BeTrue())
	g.Expect(allowedEvent([]string{"Push Hook"}, "push hook")).To(BeTrue())
	g.Expect(allowedEvent([]string{"push"}, "")).To(BeFalse())
	g.Expect(allowedEvent([]string{"push"}, "pull_request")).To(BeFalse())
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'f' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}
