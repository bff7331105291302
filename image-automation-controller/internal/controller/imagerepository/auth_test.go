package imagerepository

import (
	"testing"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	imagev1 "github.com/eddy-gitops/eddy/api/image/v1"
	"github.com/eddy-gitops/eddy/image-automation-controller/internal/registry/registrytest"
)

func TestScanAuthentication(t *testing.T) {
	authed := registrytest.New(t, registrytest.Options{BasicAuth: "robot:pa55word"})
	authed.Push(t, "app", "1.0.0", "1.1.0")
	secure := registrytest.New(t, registrytest.Options{TLS: true})
	secure.Push(t, "app", "1.0.0", "1.1.0")
	dials.Store(secure.Host, secure.Dial)
	plain := registrytest.New(t, registrytest.Options{})
	plain.Push(t, "app", "1.0.0", "1.1.0")
	proxy := registrytest.NewProxy(t, "proxyuser", "proxypass")
	proxySecret := func(password string) func(ns string) []client.Object {
		return func(ns string) []client.Object {
			return []client.Object{secret(ns, "proxy", corev1.SecretTypeOpaque, map[string][]byte{
				"address": []byte(proxy.URL), "username": []byte("proxyuser"), "password": []byte(password)})}
		}
	}
	viaProxy := func(o *imagev1.ImageRepository) { o.Spec.ProxySecretRef = &meta.LocalObjectReference{Name: "proxy"} }

	pull := func(ns string) *corev1.Secret {
		return secret(ns, "pull", corev1.SecretTypeDockerConfigJson, map[string][]byte{corev1.DockerConfigJsonKey: authed.DockerConfigJSON()})
	}
	tests := []struct {
		name    string
		image   string
		objects func(ns string) []client.Object
		mutate  func(o *imagev1.ImageRepository)
		reason  string
		message string // substring of the Ready message on failure
	}{
		{
			name:    "secretRef with valid credentials",
			image:   authed.Host + "/app",
			objects: func(ns string) []client.Object { return []client.Object{pull(ns)} },
			mutate:  func(o *imagev1.ImageRepository) { o.Spec.SecretRef = &meta.LocalObjectReference{Name: "pull"} },
			reason:  meta.SucceededReason,
		},
		{
			name:  "serviceAccount imagePullSecrets",
			image: authed.Host + "/app",
			objects: func(ns string) []client.Object {
				sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "scanner"},
					ImagePullSecrets: []corev1.LocalObjectReference{{Name: "pull"}}}
				return []client.Object{pull(ns), sa}
			},
			mutate: func(o *imagev1.ImageRepository) { o.Spec.ServiceAccountName = "scanner" },
			reason: meta.SucceededReason,
		},
		{
			name:    "no credentials: 401",
			image:   authed.Host + "/app",
			reason:  imagev1.AuthenticationFailedReason,
			message: "authentication failed (HTTP 401)",
		},
		{
			name:  "wrong password: 401",
			image: authed.Host + "/app",
			objects: func(ns string) []client.Object {
				return []client.Object{secret(ns, "pull", corev1.SecretTypeDockerConfigJson, map[string][]byte{
					corev1.DockerConfigJsonKey: []byte(`{"auths":{"` + authed.Host + `":{"username":"robot","password":"wrong-one"}}}`)})}
			},
			mutate:  func(o *imagev1.ImageRepository) { o.Spec.SecretRef = &meta.LocalObjectReference{Name: "pull"} },
			reason:  imagev1.AuthenticationFailedReason,
			message: "authentication failed (HTTP 401)",
		},
		{
			name:    "missing secret",
			image:   authed.Host + "/app",
			mutate:  func(o *imagev1.ImageRepository) { o.Spec.SecretRef = &meta.LocalObjectReference{Name: "absent"} },
			reason:  imagev1.AuthenticationFailedReason,
			message: "cannot get secret",
		},
		{
			name:  "secret without a docker config",
			image: authed.Host + "/app",
			objects: func(ns string) []client.Object {
				return []client.Object{secret(ns, "pull", corev1.SecretTypeOpaque, map[string][]byte{"password": []byte("pa55word")})}
			},
			mutate:  func(o *imagev1.ImageRepository) { o.Spec.SecretRef = &meta.LocalObjectReference{Name: "pull"} },
			reason:  imagev1.AuthenticationFailedReason,
			message: "has no '.dockerconfigjson' key",
		},
		{
			name:  "TLS registry with certSecretRef ca.crt",
			image: secure.Host + "/app",
			objects: func(ns string) []client.Object {
				return []client.Object{secret(ns, "ca", corev1.SecretTypeOpaque, map[string][]byte{"ca.crt": secure.CAPEM})}
			},
			mutate: func(o *imagev1.ImageRepository) { o.Spec.CertSecretRef = &meta.LocalObjectReference{Name: "ca"} },
			reason: meta.SucceededReason,
		},
		{
			name:    "through a proxy with proxySecretRef",
			image:   plain.Host + "/app",
			objects: proxySecret("proxypass"),
			mutate:  viaProxy,
			reason:  meta.SucceededReason,
		},
		{
			name:    "proxy refuses the credentials",
			image:   plain.Host + "/app",
			objects: proxySecret("wrong-one"),
			mutate:  viaProxy,
			reason:  imagev1.ReadOperationFailedReason,
			message: "407",
		},
		{
			name:    "TLS registry without the CA",
			image:   secure.Host + "/app",
			reason:  imagev1.ReadOperationFailedReason,
			message: "certificate",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			ns := env.CreateNamespace(t, "auth")
			if tt.objects != nil {
				for _, o := range tt.objects(ns) {
					g.Expect(env.Client.Create(t.Context(), o)).To(Succeed())
				}
			}
			obj := newRepo(ns, "app", tt.image)
			if tt.mutate != nil {
				tt.mutate(obj)
			}
			env.CreateAndWait(t, obj)
			if tt.reason == meta.SucceededReason {
				got := waitFor(t, client.ObjectKeyFromObject(obj), metav1.ConditionTrue, meta.SucceededReason)
				g.Expect(got.Status.LastScanResult.LatestTags).To(Equal([]string{"1.1.0", "1.0.0"}))
				if obj.Spec.ProxySecretRef != nil {
					g.Expect(proxy.Hits.Load()).To(BeNumerically(">", 0), "the scan went through the proxy")
				}
				return
			}
			got := waitFor(t, client.ObjectKeyFromObject(obj), metav1.ConditionFalse, tt.reason)
			msg := findCondition(got, meta.ReadyCondition).Message
			g.Expect(msg).To(ContainSubstring(tt.message))
			g.Expect(msg).NotTo(Or(ContainSubstring("pa55word"), ContainSubstring("wrong-one")))
			g.Eventually(func() []string { return eventsFor(t, ns, "app") }, 10*time.Second).
				Should(ContainElement(HavePrefix("Warning/" + tt.reason + ": ")))
		})
	}
}
