package v1

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestReceiverGetWebhookPath(t *testing.T) {
	// The expected digests were computed outside Go, with
	// `printf '%s' "<token><name><namespace>" | sha256sum`.
	tests := []struct {
		name, token, objName, namespace, want string
	}{
		{
			name:      "token, name and namespace",
			token:     "my-token",
			objName:   "my-receiver",
			namespace: "flux-system",
			want:      "/hook/8a1182bb8ba88eae305b69af2c1839590333ebddd73eccbbe482c0c93d147305",
		},
		{
			name:      "generic-oidc has no token",
			objName:   "webapp-hook",
			namespace: "apps",
			want:      "/hook/911ac792db11f6efd26f074ed4e2dbc31e35e67c8ceed670f4f3ec13332ef70a",
		},
		{
			name: "all empty",
			want: "/hook/e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &Receiver{ObjectMeta: metav1.ObjectMeta{Name: tt.objName, Namespace: tt.namespace}}
			if got := r.GetWebhookPath(tt.token); got != tt.want {
				t.Errorf("GetWebhookPath(%q) = %q, want %q", tt.token, got, tt.want)
			}
		})
	}
}

func TestReceiverGetInterval(t *testing.T) {
	tests := []struct {
		name     string
		interval *metav1.Duration
		want     time.Duration
	}{
		{name: "unset defaults to 10m", want: 10 * time.Minute},
		{name: "set", interval: &metav1.Duration{Duration: time.Minute}, want: time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &Receiver{Spec: ReceiverSpec{Interval: tt.interval}}
			if got := r.GetInterval(); got != tt.want {
				t.Errorf("GetInterval() = %v, want %v", got, tt.want)
			}
			if got := r.GetRequeueAfter(); got != tt.want {
				t.Errorf("GetRequeueAfter() = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestOIDCProviderGetAudience(t *testing.T) {
	if got := (&OIDCProvider{}).GetAudience(); got != "notification-controller" {
		t.Errorf("default audience = %q", got)
	}
	if got := (&OIDCProvider{Audience: "eddy"}).GetAudience(); got != "eddy" {
		t.Errorf("audience = %q, want eddy", got)
	}
}
