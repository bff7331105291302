package ocirepository

import (
	"encoding/base64"
	"encoding/json"
	"testing"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	sourcev1 "github.com/eddy-gitops/eddy/api/source/v1"
	"github.com/eddy-gitops/eddy/source-controller/internal/oci/ocitest"
)

const password = "s3cr3t-p4ss"

// pullSecret is a kubernetes.io/dockerconfigjson Secret for host.
func pullSecret(t *testing.T, ns, name, host, user, pass string) *corev1.Secret {
	t.Helper()
	cfg, err := json.Marshal(map[string]any{"auths": map[string]any{host: map[string]string{
		"auth": base64.StdEncoding.EncodeToString([]byte(user + ":" + pass)),
	}}})
	if err != nil {
		t.Fatal(err)
	}
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Type:       corev1.SecretTypeDockerConfigJson,
		Data:       map[string][]byte{corev1.DockerConfigJsonKey: cfg},
	}
}

func TestOCIRepository_basicAuth(t *testing.T) {
	reg := ocitest.New(t, ocitest.WithBasicAuth("flux", password))
	reg.Push(t, "org/app", "latest", ocitest.FluxArtifact(t, podinfo, nil))

	tests := []struct {
		name       string
		objects    func(ns string) []*corev1.Secret
		sa         func(ns string) *corev1.ServiceAccount
		spec       func(*sourcev1.OCIRepositorySpec)
		wantReason string // empty: Ready
		wantMsg    string
	}{
		{
			name: "secretRef with the right credentials",
			objects: func(ns string) []*corev1.Secret {
				return []*corev1.Secret{pullSecret(t, ns, "creds", reg.Host, "flux", password)}
			},
			spec: func(s *sourcev1.OCIRepositorySpec) { s.SecretRef = &meta.LocalObjectReference{Name: "creds"} },
		},
		{
			name: "serviceAccount imagePullSecrets",
			objects: func(ns string) []*corev1.Secret {
				return []*corev1.Secret{pullSecret(t, ns, "sa-creds", reg.Host, "flux", password)}
			},
			sa: func(ns string) *corev1.ServiceAccount {
				return &corev1.ServiceAccount{
					ObjectMeta:       metav1.ObjectMeta{Namespace: ns, Name: "puller"},
					ImagePullSecrets: []corev1.LocalObjectReference{{Name: "sa-creds"}},
				}
			},
			spec: func(s *sourcev1.OCIRepositorySpec) { s.ServiceAccountName = "puller" },
		},
		{
			name: "wrong password",
			objects: func(ns string) []*corev1.Secret {
				return []*corev1.Secret{pullSecret(t, ns, "creds", reg.Host, "flux", "wrong-"+password)}
			},
			spec:       func(s *sourcev1.OCIRepositorySpec) { s.SecretRef = &meta.LocalObjectReference{Name: "creds"} },
			wantReason: sourcev1.AuthenticationFailedReason,
			wantMsg:    "401 Unauthorized",
		},
		{
			name:       "no credentials",
			spec:       func(s *sourcev1.OCIRepositorySpec) {},
			wantReason: sourcev1.AuthenticationFailedReason,
			wantMsg:    "401 Unauthorized",
		},
		{
			name:       "missing secret",
			spec:       func(s *sourcev1.OCIRepositorySpec) { s.SecretRef = &meta.LocalObjectReference{Name: "absent"} },
			wantReason: sourcev1.AuthenticationFailedReason,
			wantMsg:    "secretRef: secret '%s/absent' not found",
		},
		{
			name:       "missing service account",
			spec:       func(s *sourcev1.OCIRepositorySpec) { s.ServiceAccountName = "ghost" },
			wantReason: sourcev1.AuthenticationFailedReason,
			wantMsg:    "serviceaccount '%s/ghost' not found",
		},
		{
			name: "secret of the wrong type",
			objects: func(ns string) []*corev1.Secret {
				return []*corev1.Secret{{
					ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "opaque"},
					Data:       map[string][]byte{"password": []byte(password)},
				}}
			},
			spec:       func(s *sourcev1.OCIRepositorySpec) { s.SecretRef = &meta.LocalObjectReference{Name: "opaque"} },
			wantReason: sourcev1.AuthenticationFailedReason,
			wantMsg:    "has type 'Opaque', expected 'kubernetes.io/dockerconfigjson'",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			ns := env.CreateNamespace(t, "oci-auth")
			if tt.objects != nil {
				for _, s := range tt.objects(ns) {
					g.Expect(env.Client.Create(t.Context(), s)).To(Succeed())
				}
			}
			if tt.sa != nil {
				g.Expect(env.Client.Create(t.Context(), tt.sa(ns))).To(Succeed())
			}
			obj := newOCIRepository(ns, "app", reg.URL("org/app"), tt.spec)
			env.CreateAndWait(t, obj)
			if tt.wantReason == "" {
				got := waitReady(t, obj)
				g.Expect(download(t, got.Status.Artifact)).To(Equal(podinfo))
				return
			}
			got := waitNotReady(t, obj, tt.wantReason)
			msg := conditions.GetMessage(got, meta.ReadyCondition)
			want := tt.wantMsg
			if containsVerb(want) {
				want = sprintf(want, ns)
			}
			g.Expect(msg).To(ContainSubstring(want))
			g.Expect(conditions.IsTrue(got, sourcev1.FetchFailedCondition)).To(BeTrue())
			g.Expect(conditions.GetReason(got, sourcev1.FetchFailedCondition)).To(Equal(tt.wantReason))
			g.Expect(conditions.IsTrue(got, meta.ReconcilingCondition)).To(BeTrue(), "failures are retried")
			g.Expect(conditions.Has(got, meta.StalledCondition)).To(BeFalse())
			g.Expect(waitWarning(t, obj, tt.wantReason)).To(ContainSubstring(want))
			g.Expect(msg).NotTo(ContainSubstring(password))
			for _, e := range received.For(ns, "app") {
				g.Expect(e.Message).NotTo(ContainSubstring(password))
			}
		})
	}
}

func TestOCIRepository_tls(t *testing.T) {
	reg := ocitest.New(t, ocitest.WithTLS())
	reg.Push(t, "org/app", "latest", ocitest.FluxArtifact(t, podinfo, nil))

	tests := []struct {
		name       string
		secret     func(ns string) *corev1.Secret
		wantReason string
		wantMsg    string
	}{
		{
			name: "certSecretRef with the registry CA",
			secret: func(ns string) *corev1.Secret {
				return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "tls"}, Data: map[string][]byte{"ca.crt": reg.CAPEM()}}
			},
		},
		{
			name:       "without the CA the certificate is not trusted",
			wantReason: sourcev1.OCIPullFailedReason,
			wantMsg:    "certificate",
		},
		{
			name: "certSecretRef without ca.crt or a key pair",
			secret: func(ns string) *corev1.Secret {
				return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "tls"}, Data: map[string][]byte{"other": []byte("x")}}
			},
			wantReason: sourcev1.AuthenticationFailedReason,
			wantMsg:    "failed to get TLS configuration from certSecretRef",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			ns := env.CreateNamespace(t, "oci-tls")
			obj := newOCIRepository(ns, "app", reg.URL("org/app"), func(s *sourcev1.OCIRepositorySpec) {
				s.Insecure = false
				s.CertSecretRef = &meta.LocalObjectReference{Name: "tls"}
			})
			if tt.secret != nil {
				g.Expect(env.Client.Create(t.Context(), tt.secret(ns))).To(Succeed())
			} else {
				obj.Spec.CertSecretRef = nil
			}
			env.CreateAndWait(t, obj)
			if tt.wantReason == "" {
				g.Expect(download(t, waitReady(t, obj).Status.Artifact)).To(Equal(podinfo))
				return
			}
			got := waitNotReady(t, obj, tt.wantReason)
			g.Expect(conditions.GetMessage(got, meta.ReadyCondition)).To(ContainSubstring(tt.wantMsg))
		})
	}
}

// Plain HTTP needs spec.insecure, even for a loopback registry.
func TestOCIRepository_insecure(t *testing.T) {
	g := NewWithT(t)
	reg := ocitest.New(t)
	reg.Push(t, "org/app", "latest", ocitest.FluxArtifact(t, podinfo, nil))
	ns := env.CreateNamespace(t, "oci-insecure")
	obj := newOCIRepository(ns, "app", reg.URL("org/app"), func(s *sourcev1.OCIRepositorySpec) { s.Insecure = false })
	env.CreateAndWait(t, obj)
	got := waitNotReady(t, obj, sourcev1.OCIPullFailedReason)
	g.Expect(conditions.GetMessage(got, meta.ReadyCondition)).To(ContainSubstring("set spec.insecure to true"))

	updateSpec(t, obj, func(s *sourcev1.OCIRepositorySpec) { s.Insecure = true })
	g.Expect(download(t, waitReady(t, obj).Status.Artifact)).To(Equal(podinfo))
}
