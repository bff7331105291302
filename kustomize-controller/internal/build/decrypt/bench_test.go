package decrypt_test

import (
	"testing"

	"github.com/eddy-gitops/eddy/kustomize-controller/internal/build/decrypt"
	"github.com/eddy-gitops/eddy/kustomize-controller/internal/build/decrypt/sopstest"
)

// BenchmarkDecrypt decrypts a typical Kubernetes Secret (data and stringData encrypted) and a
// dotenv file, the documents a build decrypts most.
func BenchmarkDecrypt(b *testing.B) {
	key := sopstest.NewKey(b)
	d, err := decrypt.New([]string{key.Identity})
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name  string
		plain string
		sf    sopstest.Format
		f     decrypt.Format
		regex string
	}{
		{"secret-yaml", k8sSecret, sopstest.YAML, decrypt.YAML, "^(data|stringData)$"},
		{"dotenv", "USER=admin\nPASSWORD=secret\nTOKEN=abc\n", sopstest.Dotenv, decrypt.Dotenv, ""},
	} {
		doc := sopstest.Encrypt(b, []byte(bc.plain), bc.sf, bc.regex, key.Recipient)
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := d.Decrypt(doc, bc.f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
