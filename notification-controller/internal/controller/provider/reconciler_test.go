package provider

import (
	"context"
	"testing"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	notifv1beta3 "github.com/eddy-gitops/eddy/api/notification/v1beta3"
	"github.com/eddy-gitops/eddy/notification-controller/internal/controller/controllertest"
)

const timeout = 30 * time.Second

// warnings returns "reason: message" of the Warning events on the Provider.
func warnings(ctx context.Context, ns, name string) func() []string {
	return controllertest.Warnings(ctx, env.Client, notifv1beta3.ProviderKind, ns, name)
}

func TestProviderReconciler(t *testing.T) {
	ns := env.CreateNamespace(t, "provider")
	g := NewWithT(t)
	g.Expect(env.Client.Create(t.Context(), &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "token", Namespace: ns},
		StringData: map[string]string{"token": "xoxb-SECRETVALUE", "address": "https://slack.com/api/chat.postMessage"},
	})).To(Succeed())
	g.Expect(env.Client.Create(t.Context(), &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "bad-ca", Namespace: ns},
		StringData: map[string]string{"ca.crt": "not a certificate"},
	})).To(Succeed())

	tests := []struct {
		name        string
		spec        notifv1beta3.ProviderSpec
		wantWarning string // "" = none
	}{
		{name: "slack-bot", spec: notifv1beta3.ProviderSpec{Type: "slack", SecretRef: &meta.LocalObjectReference{Name: "token"}}},
		{name: "generic", spec: notifv1beta3.ProviderSpec{Type: "generic", Address: "http://127.0.0.1:1/hook"}},
		{name: "unsupported", spec: notifv1beta3.ProviderSpec{Type: "pagerduty", Address: "https://events.pagerduty.com"},
			wantWarning: `InvalidConfig: provider type "pagerduty" is not supported yet`},
		{name: "missing-secret", spec: notifv1beta3.ProviderSpec{Type: "slack", SecretRef: &meta.LocalObjectReference{Name: "nope"}},
			wantWarning: `InvalidConfig: Secret "nope" referenced by spec.secretRef not found`},
		{name: "no-address", spec: notifv1beta3.ProviderSpec{Type: "msteams"},
			wantWarning: "InvalidConfig: no address"},
		{name: "hmac-without-token", spec: notifv1beta3.ProviderSpec{Type: "generic-hmac", Address: "https://example.com"},
			wantWarning: "InvalidConfig: generic-hmac needs the token key"},
		{name: "bad-ca", spec: notifv1beta3.ProviderSpec{Type: "generic", Address: "https://example.com", CertSecretRef: &meta.LocalObjectReference{Name: "bad-ca"}},
			wantWarning: `InvalidConfig: invalid TLS data in Secret "bad-ca"`},
		{name: "commit-status-expr", spec: notifv1beta3.ProviderSpec{Type: "github", Address: "https://github.com/o/r", CommitStatusExpr: "event.reason"},
			wantWarning: "InvalidConfig: spec.commitStatusExpr is not supported yet"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			p := &notifv1beta3.Provider{ObjectMeta: metav1.ObjectMeta{Name: tt.name, Namespace: ns}, Spec: tt.spec}
			g.Expect(env.Client.Create(t.Context(), p)).To(Succeed())

			key := client.ObjectKeyFromObject(p)
			g.Eventually(func() []string {
				_ = env.Client.Get(t.Context(), key, p)
				return p.Finalizers
			}, timeout).Should(ContainElement("finalizers.fluxcd.io"))

			if tt.wantWarning != "" {
				g.Eventually(warnings(t.Context(), ns, tt.name), timeout).Should(ContainElement(HavePrefix(tt.wantWarning)))
			}
			for _, w := range warnings(t.Context(), ns, tt.name)() {
				g.Expect(w).NotTo(ContainSubstring("SECRETVALUE"))
				if tt.wantWarning == "" {
					t.Errorf("unexpected warning: %s", w)
				}
			}

			g.Expect(env.Client.Delete(t.Context(), p)).To(Succeed())
			g.Eventually(func() bool {
				return apierrors.IsNotFound(env.Client.Get(t.Context(), key, p))
			}, timeout).Should(BeTrue())
		})
	}
}
