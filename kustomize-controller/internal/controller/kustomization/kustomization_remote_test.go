package kustomization

import (
	"os"
	"testing"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kustomizev1 "github.com/eddy-gitops/eddy/api/kustomize/v1"
)

// TestRemoteCluster applies through spec.kubeConfig.secretRef (a kubeconfig for the same test
// API server, reached as a remote cluster) and reports unusable kubeconfigs precisely.
func TestRemoteCluster(t *testing.T) {
	kubeconfig, err := os.ReadFile(env.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		data    map[string][]byte // nil: no Secret
		key     string
		wantMsg string // "" means applied
	}{
		{name: "kubeconfig in 'value'", data: map[string][]byte{"value": kubeconfig}},
		{name: "kubeconfig in a custom key", data: map[string][]byte{"cfg": kubeconfig}, key: "cfg"},
		{name: "missing secret", wantMsg: "KubeConfig secret '%s/remote' not found"},
		{name: "missing key", data: map[string][]byte{"other": kubeconfig}, wantMsg: "does not contain a 'value' key"},
		{name: "garbage", data: map[string][]byte{"value": []byte("::not yaml::")}, wantMsg: "invalid KubeConfig in secret"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			ns := env.CreateNamespace(t, "remote")
			if tt.data != nil {
				g.Expect(env.Client.Create(t.Context(), &corev1.Secret{
					ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "remote"}, Data: tt.data})).To(Succeed())
			}
			repo := createSource(t, ns, "repo", map[string]string{"a.yaml": configMap(ns, "a", nil, nil)})
			ks := newKustomization(ns, "remote", "repo", "./")
			ks.Spec.KubeConfig = &meta.KubeConfigReference{SecretRef: &meta.SecretKeyReference{Name: "remote", Key: tt.key}}
			env.CreateAndWait(t, ks)
			key := client.ObjectKeyFromObject(ks)
			if tt.wantMsg == "" {
				waitApplied(t, key, revisionOf(t, repo))
				g.Expect(getCM(g, t.Context(), ns, "a")).NotTo(BeNil())
				return
			}
			got := waitNotReady(t, key, kustomizev1.ReconciliationFailedReason)
			want := tt.wantMsg
			if want == "KubeConfig secret '%s/remote' not found" {
				want = "KubeConfig secret '" + ns + "/remote' not found"
			}
			g.Expect(conditions.GetMessage(got, meta.ReadyCondition)).To(ContainSubstring(want))
			g.Expect(conditions.GetMessage(got, meta.ReadyCondition)).NotTo(ContainSubstring("client-certificate-data"))
			g.Expect(getCM(g, t.Context(), ns, "a")).To(BeNil())
		})
	}
}
