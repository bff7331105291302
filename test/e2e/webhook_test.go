package e2e

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	. "github.com/onsi/gomega"
)

// TestWebhookToCluster: a GitHub push webhook, signed with the Receiver's token, makes
// notification-controller annotate the GitRepository, which fetches the new commit, and
// kustomize-controller applies it; no manual annotation anywhere.
func TestWebhookToCluster(t *testing.T) {
	s := seedCluster(t, "hook", nil)
	g := NewWithT(t)

	const token = "e2e-webhook-token"
	apply(t, fmt.Sprintf(`apiVersion: v1
kind: Secret
metadata:
  name: webhook-token
  namespace: %[1]s
stringData:
  token: %[2]s
---
apiVersion: notification.toolkit.fluxcd.io/v1
kind: Receiver
metadata:
  name: github
  namespace: %[1]s
spec:
  type: github
  events: ["ping", "push"]
  secretRef:
    name: webhook-token
  resources:
    - apiVersion: source.toolkit.fluxcd.io/v1
      kind: GitRepository
      name: seed
`, s.ns, token))
	hookPath := str(waitReady(t, receiverKind, s.ns, "github"), "status", "webhookPath")
	g.Expect(hookPath).To(HavePrefix("/hook/"))

	before := s.wc.commitHash()
	sha := s.wc.commit("podinfo: purple", map[string]string{"apps/podinfo/base/configmap.yaml": podinfoConfig("purple")})
	pushed := time.Now()

	body := githubPushPayload(t, s.srv.HTTPAddress()+"/fleet.git", before, sha)
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, "http://"+env.ReceiverAddr+hookPath, bytes.NewReader(body))
	g.Expect(err).NotTo(HaveOccurred())
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "GitHub-Hookshot/e2e")
	req.Header.Set("X-GitHub-Event", "push")
	req.Header.Set("X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958")
	req.Header.Set("X-Hub-Signature-256", "sha256="+hmacSHA256(token, body))
	resp, err := http.DefaultClient.Do(req)
	g.Expect(err).NotTo(HaveOccurred())
	_ = resp.Body.Close()
	g.Expect(resp.StatusCode).To(Equal(http.StatusOK), "the receiver rejected a correctly signed push")

	// The new revision reaches the cluster with nothing but the webhook: every interval is 10m.
	revision := gitBranch + "@sha1:" + sha
	g.Eventually(func(g Gomega) {
		g.Expect(str(get(t, configMapKind, s.appNS, "podinfo-config"), "data", "color")).To(Equal("purple"))
	}).WithTimeout(timeout).WithPolling(50 * time.Millisecond).Should(Succeed())
	t.Logf("commit pushed -> webhook -> ConfigMap applied in the cluster: %v", time.Since(pushed).Round(time.Millisecond))
	waitApplied(t, s.ns, "podinfo", revision)

	// A request with a wrong signature is refused and touches nothing.
	bad, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, "http://"+env.ReceiverAddr+hookPath, bytes.NewReader(body))
	bad.Header.Set("Content-Type", "application/json")
	bad.Header.Set("X-GitHub-Event", "push")
	bad.Header.Set("X-Hub-Signature-256", "sha256="+hmacSHA256("wrong-token", body))
	resp, err = http.DefaultClient.Do(bad)
	g.Expect(err).NotTo(HaveOccurred())
	_ = resp.Body.Close()
	g.Expect(resp.StatusCode).NotTo(Equal(http.StatusOK), "a push signed with the wrong token was accepted")
}

// githubPushPayload is a push event body shaped like GitHub's (the fields receivers and humans
// look at; GitHub sends many more).
func githubPushPayload(t *testing.T, cloneURL, before, after string) []byte {
	t.Helper()
	repo := map[string]any{
		"id": 1296269, "name": "fleet", "full_name": "eddy-gitops/fleet", "private": true,
		"html_url": "https://github.com/eddy-gitops/fleet", "clone_url": cloneURL,
		"default_branch": gitBranch,
	}
	body, err := json.Marshal(map[string]any{
		"ref": "refs/heads/" + gitBranch, "before": before, "after": after,
		"created": false, "deleted": false, "forced": false,
		"compare":    "https://github.com/eddy-gitops/fleet/compare/" + before[:12] + "..." + after[:12],
		"repository": repo,
		"pusher":     map[string]any{"name": "e2e", "email": "e2e@example.com"},
		"sender":     map[string]any{"login": "e2e", "id": 1, "type": "User"},
		"head_commit": map[string]any{
			"id": after, "message": "podinfo: purple", "timestamp": time.Now().Format(time.RFC3339),
			"author":   map[string]any{"name": "E2E", "email": "e2e@example.com"},
			"modified": []string{"apps/podinfo/base/configmap.yaml"},
		},
		"commits": []any{map[string]any{"id": after, "message": "podinfo: purple", "distinct": true}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return body
}

func hmacSHA256(key string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write(body)
	return hex.EncodeToString(mac.Sum(nil))
}
