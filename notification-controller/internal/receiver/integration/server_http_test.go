package integration

import (
	"bytes"
	"crypto/sha256"
	"strings"
	"testing"
	"time"

	"github.com/fluxcd/pkg/runtime/conditions"
	. "github.com/onsi/gomega"
	"golang.org/x/time/rate"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	notifv1 "github.com/eddy-gitops/eddy/api/notification/v1"
	"github.com/eddy-gitops/eddy/notification-controller/internal/receiver"
)

// waitCached waits until the server's view of the Receiver satisfies cond.
func waitCached(t *testing.T, rcv *notifv1.Receiver, cond func(*notifv1.Receiver) bool) {
	t.Helper()
	NewWithT(t).Eventually(func() bool {
		var cached notifv1.Receiver
		err := env.Manager.GetClient().Get(t.Context(), client.ObjectKeyFromObject(rcv), &cached)
		return err == nil && cond(&cached)
	}, timeout, 50*time.Millisecond).Should(BeTrue())
}

func TestStatusCodes(t *testing.T) {
	tests := []struct {
		name string
		// prepare changes the world after the hook is Ready and returns the URL to call.
		prepare       func(t *testing.T, hook *hookFixture) string
		body          []byte
		wantCode      int
		wantMsg       string
		wantAnnotated bool
	}{
		{
			name:     "unknown path is 404",
			prepare:  func(t *testing.T, hook *hookFixture) string { return baseURL + "/hook/" + strings.Repeat("0", 64) },
			wantCode: 404, wantMsg: "no receiver at this path",
		},
		{
			name:     "a path outside /hook/ is 404",
			prepare:  func(t *testing.T, hook *hookFixture) string { return baseURL + "/" },
			wantCode: 404,
		},
		{
			name: "suspended receiver is 503",
			prepare: func(t *testing.T, hook *hookFixture) string {
				patch := client.MergeFrom(hook.rcv.DeepCopy())
				hook.rcv.Spec.Suspend = true
				NewWithT(t).Expect(env.Client.Patch(t.Context(), hook.rcv, patch)).To(Succeed())
				waitCached(t, hook.rcv, func(r *notifv1.Receiver) bool { return r.Spec.Suspend })
				return hook.url
			},
			wantCode: 503, wantMsg: "receiver is suspended",
		},
		{
			name: "receiver that is no longer Ready is 503",
			prepare: func(t *testing.T, hook *hookFixture) string {
				patch := client.MergeFrom(hook.rcv.DeepCopy())
				hook.rcv.Spec.ResourceFilter = "res.metadata.name =="
				NewWithT(t).Expect(env.Client.Patch(t.Context(), hook.rcv, patch)).To(Succeed())
				waitCached(t, hook.rcv, func(r *notifv1.Receiver) bool { return conditions.IsStalled(r) })
				return hook.url
			},
			wantCode: 503, wantMsg: "receiver is not ready",
		},
		{
			name:     "body over 3 MiB is 413",
			prepare:  func(t *testing.T, hook *hookFixture) string { return hook.url },
			body:     bytes.Repeat([]byte("a"), receiver.MaxBodySize+1),
			wantCode: 413, wantMsg: "request body exceeds",
		},
		{
			name:     "body of exactly 3 MiB is accepted",
			prepare:  func(t *testing.T, hook *hookFixture) string { return hook.url },
			body:     bytes.Repeat([]byte("a"), receiver.MaxBodySize),
			wantCode: 200, wantAnnotated: true,
		},
		{
			name:     "target that does not exist is 500",
			prepare:  func(t *testing.T, hook *hookFixture) string { return hook.url },
			wantCode: 500, wantMsg: "not found",
		},
		{
			name: "old path after a token rotation is 404, the new one works",
			prepare: func(t *testing.T, hook *hookFixture) string {
				g := NewWithT(t)
				secret := &corev1.Secret{}
				g.Expect(env.Client.Get(t.Context(), client.ObjectKey{Namespace: hook.ns, Name: hook.rcv.Spec.SecretRef.Name}, secret)).To(Succeed())
				secret.Data["token"] = []byte("rotated")
				g.Expect(env.Client.Update(t.Context(), secret)).To(Succeed())
				newPath := hook.rcv.GetWebhookPath("rotated")
				waitCached(t, hook.rcv, func(r *notifv1.Receiver) bool { return r.Status.WebhookPath == newPath })
				code, msg := post(t, baseURL+newPath, nil, nil)
				g.Expect(code).To(Equal(200), msg)
				return hook.url
			},
			wantCode: 404, wantAnnotated: true, // annotated by the call on the new path
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			ns := env.CreateNamespace(t, "codes")
			if tt.wantCode != 500 {
				newGitRepository(t, ns, "podinfo", nil)
			}
			hook := newHook(t, ns, notifv1.GenericReceiver, nil)
			url := tt.prepare(t, hook)
			code, msg := post(t, url, nil, tt.body)
			g.Expect(code).To(Equal(tt.wantCode), msg)
			g.Expect(msg).To(ContainSubstring(tt.wantMsg))
			if tt.wantCode != 500 {
				_, annotated := requestedAt(t, ns, "podinfo")
				g.Expect(annotated).To(Equal(tt.wantAnnotated))
			}
		})
	}
}

// TestRateLimit runs a server whose buckets hold two requests and refill once an hour: the third
// request to a receiver is 429 and changes nothing, while another receiver still has its own.
func TestRateLimit(t *testing.T) {
	g := NewWithT(t)
	url := startServer(t, receiver.Options{RateLimit: rate.Every(time.Hour), Burst: 2})
	ns := env.CreateNamespace(t, "ratelimit")
	newGitRepository(t, ns, "podinfo", nil)
	hook := newHook(t, ns, notifv1.GenericReceiver, nil)
	other := newHook(t, ns, notifv1.GenericReceiver, nil)

	for range 2 {
		code, msg := post(t, url+hook.rcv.Status.WebhookPath, nil, nil)
		g.Expect(code).To(Equal(200), msg)
	}
	before, _ := requestedAt(t, ns, "podinfo")
	code, msg := post(t, url+hook.rcv.Status.WebhookPath, nil, nil)
	g.Expect(code).To(Equal(429), msg)
	after, _ := requestedAt(t, ns, "podinfo")
	g.Expect(after).To(Equal(before))

	code, msg = post(t, url+other.rcv.Status.WebhookPath, nil, nil)
	g.Expect(code).To(Equal(200), msg)
}

// TestReplayAfterServerFailure: a signed request that failed on our side (500) may be retried
// with the same signature; once accepted, the same request is a replay.
func TestReplayAfterServerFailure(t *testing.T) {
	g := NewWithT(t)
	ns := env.CreateNamespace(t, "replay")
	hook := newHook(t, ns, notifv1.GenericHMACReceiver, nil)
	body := []byte(`{"ref":"refs/heads/main"}`)
	headers := map[string]string{"X-Signature": "sha256=" + sign(sha256.New, hook.token, body)}

	code, msg := post(t, hook.url, headers, body)
	g.Expect(code).To(Equal(500), msg) // the GitRepository does not exist yet

	newGitRepository(t, ns, "podinfo", nil)
	code, msg = post(t, hook.url, headers, body)
	g.Expect(code).To(Equal(200), msg)
	first, _ := requestedAt(t, ns, "podinfo")

	code, msg = post(t, hook.url, headers, body)
	g.Expect(code).To(Equal(400), msg)
	g.Expect(msg).To(ContainSubstring("replay"))
	again, _ := requestedAt(t, ns, "podinfo")
	g.Expect(again).To(Equal(first))
}
