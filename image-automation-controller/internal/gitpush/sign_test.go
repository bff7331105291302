package gitpush

import (
	"bytes"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	. "github.com/onsi/gomega"

	"github.com/eddy-gitops/eddy/image-automation-controller/internal/gitpush/gitpushtest"
)

// newKey returns an armored private key ring (encrypted with passphrase when set) and the
// armored public key.
func newKey(t *testing.T, passphrase string) (private, public []byte) {
	t.Helper()
	e, err := openpgp.NewEntity("Eddy Bot", "", "bot@example.com", nil)
	if err != nil {
		t.Fatal(err)
	}
	if passphrase != "" {
		if err := e.EncryptPrivateKeys([]byte(passphrase), nil); err != nil {
			t.Fatal(err)
		}
	}
	var priv, pub bytes.Buffer
	w, _ := armor.Encode(&priv, openpgp.PrivateKeyType, nil)
	if err := e.SerializePrivateWithoutSigning(w, nil); err != nil {
		t.Fatal(err)
	}
	_ = w.Close()
	w, _ = armor.Encode(&pub, openpgp.PublicKeyType, nil)
	if err := e.Serialize(w); err != nil {
		t.Fatal(err)
	}
	_ = w.Close()
	return priv.Bytes(), pub.Bytes()
}

func TestOpenPGPSigner(t *testing.T) {
	plain, _ := newKey(t, "")
	locked, _ := newKey(t, "open sesame")
	tests := []struct {
		name    string
		data    map[string][]byte
		wantErr string
	}{
		{name: "plain key", data: map[string][]byte{"git.asc": plain}},
		{name: "protected key with passphrase", data: map[string][]byte{"git.asc": locked, "passphrase": []byte("open sesame")}},
		{name: "protected key without passphrase", data: map[string][]byte{"git.asc": locked}, wantErr: "no 'passphrase'"},
		{name: "wrong passphrase", data: map[string][]byte{"git.asc": locked, "passphrase": []byte("nope")}, wantErr: "cannot decrypt"},
		{name: "no key", data: map[string][]byte{}, wantErr: "no 'git.asc' key"},
		{name: "garbage", data: map[string][]byte{"git.asc": []byte("not a key")}, wantErr: "not an ASCII-armored"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			e, err := OpenPGPSigner(tt.data)
			if tt.wantErr != "" {
				g.Expect(err).To(MatchError(ContainSubstring(tt.wantErr)))
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(e.PrivateKey.Encrypted).To(BeFalse())
		})
	}
}

func TestRunSignsCommit(t *testing.T) {
	g := NewWithT(t)
	srv := gitpushtest.NewServer(t)
	srv.InitRepo(t, repoPath, "main", map[string]string{"app.yaml": "image: v1\n"})
	private, public := newKey(t, "pw")
	signer, err := OpenPGPSigner(map[string][]byte{"git.asc": private, "passphrase": []byte("pw")})
	g.Expect(err).NotTo(HaveOccurred())
	cfg := httpConfig(t, srv)
	cfg.Signer = signer

	_, err = NewCache(t.TempDir()).Run(t.Context(), cfg, writeUpdate("app.yaml", "image: v2\n", "Signed update"))
	g.Expect(err).NotTo(HaveOccurred())
	head := srv.Head(t, repoPath, "main")
	g.Expect(head.PGPSignature).NotTo(BeEmpty())
	entity, err := head.Verify(string(public))
	g.Expect(err).NotTo(HaveOccurred(), "the signature verifies with the public key")
	g.Expect(entity.PrimaryKey.KeyId).To(Equal(signer.PrimaryKey.KeyId))

	_, other := newKey(t, "")
	_, err = head.Verify(string(other))
	g.Expect(err).To(HaveOccurred(), "and not with another key")
}
