package receiver

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"testing"

	notifv1 "github.com/eddy-gitops/eddy/api/notification/v1"
)

// BenchmarkVerifyGitHub measures signature verification of a GitHub push delivery, the only
// CPU work a webhook request does before it touches the API server.
func BenchmarkVerifyGitHub(b *testing.B) {
	for _, size := range []int{8 << 10, 256 << 10, MaxBodySize} {
		b.Run(fmt.Sprintf("body=%dKiB", size>>10), func(b *testing.B) {
			body := bytes.Repeat([]byte("a"), size)
			h := headers("X-Hub-Signature-256", "sha256="+mac(sha256.New, "token", body), "X-GitHub-Event", "push")
			b.SetBytes(int64(size))
			for b.Loop() {
				if _, err := verify(notifv1.GitHubReceiver, []byte("token"), h, body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
