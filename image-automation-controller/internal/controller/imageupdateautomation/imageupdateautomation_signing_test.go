package imageupdateautomation

import (
	"bytes"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/fluxcd/pkg/apis/meta"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	imagev1 "github.com/eddy-gitops/eddy/api/image/v1"
	"github.com/eddy-gitops/eddy/image-automation-controller/internal/gitpush/gitpushtest"
)

func TestAutomationSignsCommits(t *testing.T) {
	g := NewWithT(t)
	ns := env.CreateNamespace(t, "iua-sign")
	srv := gitpushtest.NewServer(t)
	srv.InitRepo(t, repoPath, "main", map[string]string{"deploy/app.yaml": deployment(ns, "1.0.0")})
	gitRepository(t, ns, srv, false)
	imagePolicy(t, ns, "app", imagev1.ImageRef{Name: "ghcr.io/org/app", Tag: "1.0.1"}, nil)

	entity, err := openpgp.NewEntity("Eddy Bot", "", "bot@example.com", nil)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(entity.EncryptPrivateKeys([]byte("pass phrase"), nil)).To(Succeed())
	var private, public bytes.Buffer
	w, _ := armor.Encode(&private, openpgp.PrivateKeyType, nil)
	g.Expect(entity.SerializePrivateWithoutSigning(w, nil)).To(Succeed())
	_ = w.Close()
	w, _ = armor.Encode(&public, openpgp.PublicKeyType, nil)
	g.Expect(entity.Serialize(w)).To(Succeed())
	_ = w.Close()
	env.CreateAndWait(t, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "signing", Namespace: ns},
		Data:       map[string][]byte{"git.asc": private.Bytes(), "passphrase": []byte("pass phrase")},
	})

	obj := automation(ns)
	obj.Spec.GitSpec.Commit.SigningKey = &imagev1.SigningKey{SecretRef: meta.LocalObjectReference{Name: "signing"}}
	env.CreateAndWait(t, obj)

	var got *imagev1.ImageUpdateAutomation
	g.Eventually(func(g Gomega) {
		got = waitReady(t, obj, metav1.ConditionTrue, meta.SucceededReason)
		g.Expect(got.Status.LastPushCommit).NotTo(BeEmpty())
	}, timeout, interval).Should(Succeed())
	head := srv.Head(t, repoPath, "main")
	g.Expect(head.Hash.String()).To(Equal(got.Status.LastPushCommit))
	signer, err := head.Verify(public.String())
	g.Expect(err).NotTo(HaveOccurred(), "the commit verifies with the public key")
	g.Expect(signer.PrimaryKey.KeyId).To(Equal(entity.PrimaryKey.KeyId))
}
