package buildenv

import (
	"errors"
	"strings"
	"testing"

	"github.com/fluxcd/pkg/apis/meta"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	kustomizev1 "github.com/eddy-gitops/eddy/api/kustomize/v1"
	"github.com/eddy-gitops/eddy/kustomize-controller/internal/build"
	"github.com/eddy-gitops/eddy/kustomize-controller/internal/build/decrypt/sopstest"
	"github.com/eddy-gitops/eddy/pkg/reconcile"
)

const secret = `apiVersion: v1
kind: Secret
metadata:
  name: db
stringData:
  password: ${prefix}-top-secret
`

// TestDecryptionSecret decrypts with age keys from spec.decryption.secretRef (entries ending in
// .agekey), combined with the controller's global keys, and substitutes afterwards (Flux's
// order: decryption, then substitution).
func TestDecryptionSecret(t *testing.T) {
	ns := env.CreateNamespace(t, "sops")
	key := sopstest.NewKey(t)
	global := sopstest.NewKey(t)
	other := sopstest.NewKey(t)
	create(t,
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "sops-age", Namespace: ns},
			Data: map[string][]byte{"identity.agekey": []byte(key.Identity), "ignored.asc": []byte("not age")}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "wrong-age", Namespace: ns},
			Data: map[string][]byte{"identity.agekey": []byte(other.Identity)}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "no-age", Namespace: ns},
			Data: map[string][]byte{"key.asc": []byte("pgp")}},
	)
	root := writeTree(t, map[string]string{
		"app/secret.yaml":    string(sopstest.Encrypt(t, []byte(secret), sopstest.YAML, "^(data|stringData)$", key.Recipient)),
		"global/secret.yaml": string(sopstest.Encrypt(t, []byte(secret), sopstest.YAML, "^(data|stringData)$", global.Recipient)),
	})
	spec := func(path, secretName string) kustomizev1.KustomizationSpec {
		return kustomizev1.KustomizationSpec{Path: path,
			Decryption: &kustomizev1.Decryption{Provider: "sops", SecretRef: &meta.LocalObjectReference{Name: secretName}},
			PostBuild:  &kustomizev1.PostBuild{Substitute: map[string]string{"prefix": "very"}}}
	}

	t.Run("keys from the Secret", func(t *testing.T) {
		objs, err := build.Build(t.Context(), build.Input{Root: root, Reader: env.Client, Kustomization: kustomization(ns, spec("app", "sops-age"))})
		if err != nil {
			t.Fatalf("Build: %v", err)
		}
		if got, _, _ := unstructured.NestedString(objs[0].Object, "stringData", "password"); got != "very-top-secret" {
			t.Errorf("password = %q", got)
		}
	})
	t.Run("global keys complement the Secret", func(t *testing.T) {
		objs, err := build.Build(t.Context(), build.Input{Root: root, Reader: env.Client, DecryptionKeys: []string{global.Identity},
			Kustomization: kustomization(ns, spec("global", "sops-age"))})
		if err != nil {
			t.Fatalf("Build: %v", err)
		}
		if got, _, _ := unstructured.NestedString(objs[0].Object, "stringData", "password"); got != "very-top-secret" {
			t.Errorf("password = %q", got)
		}
	})

	errTests := []struct {
		name, secret, contains string
	}{
		{name: "missing decryption Secret", secret: "absent", contains: "decryption Secret '" + ns + "/absent' not found"},
		{name: "Secret without age keys", secret: "no-age", contains: "decryption Secret '" + ns + "/no-age' has no entry ending in '.agekey'"},
		{name: "wrong key in the Secret", secret: "wrong-age", contains: "Secret/db: cannot decrypt the SOPS data key: none of the configured age keys matches the recipients " + key.Recipient},
	}
	for _, tt := range errTests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := build.Build(t.Context(), build.Input{Root: root, Reader: env.Client, Kustomization: kustomization(ns, spec("app", tt.secret))})
			var g *reconcile.Generic
			if !errors.As(err, &g) || g.Reason != meta.BuildFailedReason {
				t.Fatalf("error %v: want BuildFailed", err)
			}
			if !strings.Contains(err.Error(), tt.contains) {
				t.Errorf("error %q does not contain %q", err, tt.contains)
			}
			if strings.Contains(err.Error(), "AGE-SECRET-KEY") || strings.Contains(err.Error(), "top-secret") {
				t.Errorf("error %q leaks secret material", err)
			}
		})
	}
}
