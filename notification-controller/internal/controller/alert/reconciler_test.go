package alert

import (
	"context"
	"testing"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	notifv1 "github.com/eddy-gitops/eddy/api/notification/v1"
	notifv1beta3 "github.com/eddy-gitops/eddy/api/notification/v1beta3"
	"github.com/eddy-gitops/eddy/notification-controller/internal/controller/controllertest"
)

const timeout = 30 * time.Second

// warnings returns "reason: message" of the Warning events on the Alert.
func warnings(ctx context.Context, ns, name string) func() []string {
	return controllertest.Warnings(ctx, env.Client, notifv1beta3.AlertKind, ns, name)
}

func TestValidateSpec(t *testing.T) {
	tests := []struct {
		name    string
		spec    notifv1beta3.AlertSpec
		noCross bool
		wantErr string
	}{
		{name: "valid", spec: notifv1beta3.AlertSpec{InclusionList: []string{"^a"}, EventSources: []notifv1.CrossNamespaceObjectReference{{Kind: "Kustomization", Name: "*", MatchLabels: map[string]string{"a": "b"}}}}},
		{name: "bad inclusion", spec: notifv1beta3.AlertSpec{InclusionList: []string{"("}}, wantErr: `invalid inclusionList expression "("`},
		{name: "bad exclusion", spec: notifv1beta3.AlertSpec{ExclusionList: []string{"a{2,1}"}}, wantErr: "invalid exclusionList expression"},
		{name: "matchLabels without wildcard", spec: notifv1beta3.AlertSpec{EventSources: []notifv1.CrossNamespaceObjectReference{{Kind: "Kustomization", Name: "x", MatchLabels: map[string]string{"a": "b"}}}}, wantErr: "matchLabels needs name '*'"},
		{name: "cross namespace allowed", spec: notifv1beta3.AlertSpec{EventSources: []notifv1.CrossNamespaceObjectReference{{Kind: "Kustomization", Name: "x", Namespace: "other"}}}},
		{name: "cross namespace refused", noCross: true, spec: notifv1beta3.AlertSpec{EventSources: []notifv1.CrossNamespaceObjectReference{{Kind: "Kustomization", Name: "x", Namespace: "other"}}}, wantErr: "cross-namespace references are disabled"},
		{name: "own namespace with the flag", noCross: true, spec: notifv1beta3.AlertSpec{EventSources: []notifv1.CrossNamespaceObjectReference{{Kind: "Kustomization", Name: "x", Namespace: "ns"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := &notifv1beta3.Alert{ObjectMeta: metav1.ObjectMeta{Namespace: "ns"}, Spec: tt.spec}
			err := ValidateSpec(a, tt.noCross)
			if tt.wantErr == "" {
				NewWithT(t).Expect(err).NotTo(HaveOccurred())
			} else {
				NewWithT(t).Expect(err).To(MatchError(ContainSubstring(tt.wantErr)))
			}
		})
	}
}

func TestAlertReconciler(t *testing.T) {
	ns := env.CreateNamespace(t, "alert")
	g := NewWithT(t)
	g.Expect(env.Client.Create(t.Context(), &notifv1beta3.Provider{
		ObjectMeta: metav1.ObjectMeta{Name: "slack", Namespace: ns},
		Spec:       notifv1beta3.ProviderSpec{Type: "slack", Address: "https://hooks.slack.com/x"},
	})).To(Succeed())

	sources := []notifv1.CrossNamespaceObjectReference{{Kind: "Kustomization", Name: "*"}}
	tests := []struct {
		name        string
		spec        notifv1beta3.AlertSpec
		wantWarning string
	}{
		{name: "valid", spec: notifv1beta3.AlertSpec{ProviderRef: meta.LocalObjectReference{Name: "slack"}, EventSources: sources}},
		{name: "missing-provider", spec: notifv1beta3.AlertSpec{ProviderRef: meta.LocalObjectReference{Name: "nope"}, EventSources: sources},
			wantWarning: `InvalidConfig: Provider "nope": provider not found`},
		{name: "bad-regex", spec: notifv1beta3.AlertSpec{ProviderRef: meta.LocalObjectReference{Name: "slack"}, EventSources: sources, ExclusionList: []string{"["}},
			wantWarning: `InvalidConfig: invalid exclusionList expression "["`},
		{name: "cross-ns", spec: notifv1beta3.AlertSpec{ProviderRef: meta.LocalObjectReference{Name: "slack"},
			EventSources: []notifv1.CrossNamespaceObjectReference{{Kind: "GitRepository", Name: "x", Namespace: "flux-system"}}},
			wantWarning: `InvalidConfig: eventSources[0]: namespace "flux-system" is not allowed`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			a := &notifv1beta3.Alert{ObjectMeta: metav1.ObjectMeta{Name: tt.name, Namespace: ns}, Spec: tt.spec}
			g.Expect(env.Client.Create(t.Context(), a)).To(Succeed())
			key := client.ObjectKeyFromObject(a)
			g.Eventually(func() []string {
				_ = env.Client.Get(t.Context(), key, a)
				return a.Finalizers
			}, timeout).Should(ContainElement("finalizers.fluxcd.io"))
			if tt.wantWarning != "" {
				g.Eventually(warnings(t.Context(), ns, tt.name), timeout).Should(ContainElement(HavePrefix(tt.wantWarning)))
			} else {
				g.Expect(warnings(t.Context(), ns, tt.name)()).To(BeEmpty())
			}
			g.Expect(env.Client.Delete(t.Context(), a)).To(Succeed())
			g.Eventually(func() bool { return apierrors.IsNotFound(env.Client.Get(t.Context(), key, a)) }, timeout).Should(BeTrue())
		})
	}
}
