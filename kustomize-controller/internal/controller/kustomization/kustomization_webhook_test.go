package kustomization

import (
	"testing"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	. "github.com/onsi/gomega"
	admissionv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kustomizev1 "github.com/eddy-gitops/eddy/api/kustomize/v1"
)

// TestLocalValidation_WebhookMeansDryRun: a kind that an admission webhook intercepts is not
// validated locally but dry-run, so the webhook's refusal stops the revision before anything
// is applied. The webhook (for ConfigMaps in one namespace) cannot be reached and fails closed,
// which the API server reports on the dry-run.
func TestLocalValidation_WebhookMeansDryRun(t *testing.T) {
	g := NewWithT(t)
	ns := env.CreateNamespace(t, "webhook")
	hook := &admissionv1.ValidatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: "deny-" + ns},
		Webhooks: []admissionv1.ValidatingWebhook{{
			Name:                    "deny.localval.eddy.dev",
			ClientConfig:            admissionv1.WebhookClientConfig{URL: ptr.To("https://127.0.0.1:1/deny")},
			Rules:                   []admissionv1.RuleWithOperations{{Operations: []admissionv1.OperationType{admissionv1.Create, admissionv1.Update}, Rule: admissionv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"configmaps"}}}},
			FailurePolicy:           ptr.To(admissionv1.Fail),
			SideEffects:             ptr.To(admissionv1.SideEffectClassNone),
			AdmissionReviewVersions: []string{"v1"},
			NamespaceSelector:       &metav1.LabelSelector{MatchLabels: map[string]string{corev1.LabelMetadataName: ns}},
		}},
	}
	g.Expect(env.Client.Create(t.Context(), hook)).To(Succeed())
	t.Cleanup(func() { _ = env.Client.Delete(t.Context(), hook) })

	createSource(t, ns, "repo", map[string]string{
		"good.yaml":  configMap(ns, "good", map[string]string{"k": "v"}, nil),
		"other.yaml": "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: other\n  namespace: " + ns + "\n",
	})
	ks := newKustomization(ns, "hooked", "repo", "./")
	env.CreateAndWait(t, ks)
	k := waitNotReady(t, client.ObjectKeyFromObject(ks), kustomizev1.ReconciliationFailedReason)
	msg := conditions.GetMessage(k, meta.ReadyCondition)
	g.Expect(msg).To(ContainSubstring("validation failed, nothing was applied"))
	g.Expect(msg).To(ContainSubstring("deny.localval.eddy.dev"))
	// Nothing of the revision is applied: not the ConfigMap, not the ServiceAccount beside it.
	err := env.Client.Get(t.Context(), client.ObjectKey{Namespace: ns, Name: "good"}, &corev1.ConfigMap{})
	g.Expect(apierrors.IsNotFound(err)).To(BeTrue(), "the ConfigMap must not be applied: %v", err)
	err = env.Client.Get(t.Context(), client.ObjectKey{Namespace: ns, Name: "other"}, &corev1.ServiceAccount{})
	g.Expect(apierrors.IsNotFound(err)).To(BeTrue(), "the ServiceAccount must not be applied: %v", err)
}
