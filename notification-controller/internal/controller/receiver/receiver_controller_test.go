package receiver

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	notifv1 "github.com/eddy-gitops/eddy/api/notification/v1"
)

const timeout = 30 * time.Second

// expectedPath computes the webhook path independently of the API helper: the flux CLI does
// the same on its side.
func expectedPath(token, name, namespace string) string {
	sum := sha256.Sum256([]byte(token + name + namespace))
	return "/hook/" + hex.EncodeToString(sum[:])
}

func newReceiver(ns, name, typ, secret string) *notifv1.Receiver {
	return &notifv1.Receiver{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: notifv1.ReceiverSpec{
			Type:      typ,
			SecretRef: &meta.LocalObjectReference{Name: secret},
			Resources: []notifv1.ReceiverResource{{CrossNamespaceObjectReference: notifv1.CrossNamespaceObjectReference{
				Kind: "GitRepository", Name: "podinfo"}}},
		},
	}
}

func newSecret(ns, name string, data map[string]string) *corev1.Secret {
	return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, StringData: data}
}

// readyCondition waits until the Receiver's Ready condition has the given status and reason and
// returns the object as then observed.
func waitForReady(t *testing.T, g *WithT, key client.ObjectKey, status metav1.ConditionStatus, reason string) *notifv1.Receiver {
	t.Helper()
	obj := &notifv1.Receiver{}
	g.Eventually(func(g Gomega) {
		g.Expect(env.Client.Get(t.Context(), key, obj)).To(Succeed())
		ready := conditions.Get(obj, meta.ReadyCondition)
		g.Expect(ready).NotTo(BeNil())
		g.Expect(ready.Status).To(Equal(status))
		g.Expect(ready.Reason).To(Equal(reason))
		// The patcher writes conditions first, then metadata (the finalizer), then the other
		// status fields; wait until this reconcile's later patches have landed too.
		g.Expect(obj.Finalizers).To(ContainElement(notifv1.NotificationFinalizer))
		if status == metav1.ConditionTrue || conditions.IsStalled(obj) {
			g.Expect(obj.Status.ObservedGeneration).To(Equal(obj.Generation))
		}
	}, timeout, 50*time.Millisecond).Should(Succeed())
	return obj
}

func TestReceiverReconciler_status(t *testing.T) {
	tests := []struct {
		name        string
		mutate      func(r *notifv1.Receiver)
		secret      map[string]string // nil: no Secret
		wantStatus  metav1.ConditionStatus
		wantReason  string
		wantStalled bool
		wantMessage string // substring of the Ready message; "" checks the initialized path
	}{
		{
			name:       "generic receiver with a token is Ready and publishes its path",
			secret:     map[string]string{"token": "s3cr3t"},
			wantStatus: metav1.ConditionTrue, wantReason: meta.SucceededReason,
		},
		{
			name:        "missing Secret is TokenNotFound and not stalled",
			wantStatus:  metav1.ConditionFalse,
			wantReason:  notifv1.TokenNotFoundReason,
			wantMessage: "does not exist",
		},
		{
			name:        "Secret without a token key is TokenNotFound",
			secret:      map[string]string{"password": "x"},
			wantStatus:  metav1.ConditionFalse,
			wantReason:  notifv1.TokenNotFoundReason,
			wantMessage: "has no 'token' key",
		},
		{
			name:        "invalid resourceFilter stalls with InvalidCELExpression",
			secret:      map[string]string{"token": "t"},
			mutate:      func(r *notifv1.Receiver) { r.Spec.ResourceFilter = "res.metadata.name ==" },
			wantStatus:  metav1.ConditionFalse,
			wantReason:  meta.InvalidCELExpressionReason,
			wantStalled: true,
			wantMessage: "spec.resourceFilter",
		},
		{
			name:   "non-boolean per-resource filter stalls with InvalidCELExpression",
			secret: map[string]string{"token": "t"},
			mutate: func(r *notifv1.Receiver) {
				r.Spec.Resources[0].Filter = "res.metadata.name"
			},
			wantStatus:  metav1.ConditionFalse,
			wantReason:  meta.InvalidCELExpressionReason,
			wantStalled: true,
			wantMessage: "spec.resources[0].filter",
		},
		{
			name:   "valid CEL filters are accepted",
			secret: map[string]string{"token": "t"},
			mutate: func(r *notifv1.Receiver) {
				r.Spec.ResourceFilter = "has(req.body.ref) && req.body.ref == 'refs/heads/main'"
				r.Spec.Resources[0].Filter = "res.metadata.name.startsWith('pod')"
			},
			wantStatus: metav1.ConditionTrue, wantReason: meta.SucceededReason,
		},
		{
			name:        "unsupported type stalls with a clear message",
			secret:      map[string]string{"token": "t"},
			mutate:      func(r *notifv1.Receiver) { r.Spec.Type = notifv1.GCRReceiver },
			wantStatus:  metav1.ConditionFalse,
			wantReason:  notifv1.ValidationFailedReason,
			wantStalled: true,
			wantMessage: "receiver type 'gcr' is not supported yet",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			ns := env.CreateNamespace(t, "receiver")
			if tt.secret != nil {
				g.Expect(env.Client.Create(t.Context(), newSecret(ns, "webhook-token", tt.secret))).To(Succeed())
			}
			rcv := newReceiver(ns, "github-receiver", notifv1.GenericReceiver, "webhook-token")
			if tt.mutate != nil {
				tt.mutate(rcv)
			}
			g.Expect(env.Client.Create(t.Context(), rcv)).To(Succeed())

			obj := waitForReady(t, g, client.ObjectKeyFromObject(rcv), tt.wantStatus, tt.wantReason)
			g.Expect(conditions.IsStalled(obj)).To(Equal(tt.wantStalled))
			g.Expect(obj.Finalizers).To(ContainElement(notifv1.NotificationFinalizer))
			if tt.wantStatus == metav1.ConditionTrue {
				path := expectedPath(tt.secret["token"], rcv.Name, ns)
				g.Expect(obj.Status.WebhookPath).To(Equal(path))
				g.Expect(conditions.GetMessage(obj, meta.ReadyCondition)).To(Equal("Receiver initialized for path: " + path))
				g.Expect(obj.Status.ObservedGeneration).To(Equal(obj.Generation))
				g.Expect(conditions.Has(obj, meta.ReconcilingCondition)).To(BeFalse())
			} else {
				g.Expect(obj.Status.WebhookPath).To(BeEmpty())
				g.Expect(conditions.GetMessage(obj, meta.ReadyCondition)).To(ContainSubstring(tt.wantMessage))
				g.Expect(conditions.GetMessage(obj, meta.ReadyCondition)).NotTo(ContainSubstring("s3cr3t"))
			}
		})
	}
}

func TestReceiverReconciler_secretLifecycle(t *testing.T) {
	g := NewWithT(t)
	ns := env.CreateNamespace(t, "receiver-secret")
	rcv := newReceiver(ns, "rotating", notifv1.GitHubReceiver, "token")
	rcv.Spec.Interval = &metav1.Duration{Duration: time.Hour} // only the Secret watch can be fast
	key := client.ObjectKeyFromObject(rcv)
	g.Expect(env.Client.Create(t.Context(), rcv)).To(Succeed())
	waitForReady(t, g, key, metav1.ConditionFalse, notifv1.TokenNotFoundReason)

	// A Warning event tells the user why.
	g.Eventually(func(g Gomega) {
		var list corev1.EventList
		g.Expect(env.Client.List(t.Context(), &list, client.InNamespace(ns))).To(Succeed())
		g.Expect(list.Items).To(ContainElement(SatisfyAll(
			HaveField("InvolvedObject.Name", rcv.Name),
			HaveField("Type", corev1.EventTypeWarning),
			HaveField("Reason", notifv1.TokenNotFoundReason))))
	}, timeout).Should(Succeed())

	// Creating the Secret makes it Ready.
	secret := newSecret(ns, "token", map[string]string{"token": "first"})
	g.Expect(env.Client.Create(t.Context(), secret)).To(Succeed())
	obj := waitForReady(t, g, key, metav1.ConditionTrue, meta.SucceededReason)
	g.Expect(obj.Status.WebhookPath).To(Equal(expectedPath("first", rcv.Name, ns)))

	// Rotating the token publishes the new path long before the one-hour interval.
	secret.StringData = map[string]string{"token": "second"}
	g.Expect(env.Client.Update(t.Context(), secret)).To(Succeed())
	g.Eventually(func(g Gomega) {
		g.Expect(env.Client.Get(t.Context(), key, obj)).To(Succeed())
		g.Expect(obj.Status.WebhookPath).To(Equal(expectedPath("second", rcv.Name, ns)))
		g.Expect(conditions.GetMessage(obj, meta.ReadyCondition)).To(HaveSuffix(obj.Status.WebhookPath))
	}, timeout).Should(Succeed())

	// A Normal Succeeded event announces the path.
	g.Eventually(func(g Gomega) {
		var list corev1.EventList
		g.Expect(env.Client.List(t.Context(), &list, client.InNamespace(ns))).To(Succeed())
		g.Expect(list.Items).To(ContainElement(SatisfyAll(
			HaveField("InvolvedObject.Name", rcv.Name),
			HaveField("Type", corev1.EventTypeNormal),
			HaveField("Reason", meta.SucceededReason),
			HaveField("Message", "Receiver initialized for path: "+expectedPath("second", rcv.Name, ns)))))
	}, timeout).Should(Succeed())

	// Deleting the Secret turns it not Ready again.
	g.Expect(env.Client.Delete(t.Context(), secret)).To(Succeed())
	waitForReady(t, g, key, metav1.ConditionFalse, notifv1.TokenNotFoundReason)
}

func TestReceiverReconciler_reconcileRequestAndDeletion(t *testing.T) {
	g := NewWithT(t)
	ns := env.CreateNamespace(t, "receiver-req")
	g.Expect(env.Client.Create(t.Context(), newSecret(ns, "token", map[string]string{"token": "t"}))).To(Succeed())
	rcv := newReceiver(ns, "requested", notifv1.GenericReceiver, "token")
	key := client.ObjectKeyFromObject(rcv)
	g.Expect(env.Client.Create(t.Context(), rcv)).To(Succeed())
	obj := waitForReady(t, g, key, metav1.ConditionTrue, meta.SucceededReason)

	patch := client.MergeFrom(obj.DeepCopy())
	obj.SetAnnotations(map[string]string{meta.ReconcileRequestAnnotation: "now-1"})
	g.Expect(env.Client.Patch(t.Context(), obj, patch)).To(Succeed())
	g.Eventually(func(g Gomega) {
		g.Expect(env.Client.Get(t.Context(), key, obj)).To(Succeed())
		g.Expect(obj.Status.LastHandledReconcileAt).To(Equal("now-1"))
	}, timeout).Should(Succeed())

	g.Expect(env.Client.Delete(t.Context(), obj)).To(Succeed())
	g.Eventually(func() bool {
		return apierrors.IsNotFound(env.Client.Get(t.Context(), key, &notifv1.Receiver{}))
	}, timeout).Should(BeTrue())
}
