package decrypt

import (
	"bytes"
	"strings"
	"testing"

	"github.com/eddy-gitops/eddy/kustomize-controller/internal/build/decrypt/sopstest"
)

// FuzzDecrypt feeds arbitrary documents, seeded with real sops output of every format, to the
// decryption without its recover: it must return, without panicking, and its errors must never
// contain plaintext or key material. Run it with `go test -fuzz=FuzzDecrypt`; plain `go test`
// runs the seeds.
func FuzzDecrypt(f *testing.F) {
	key := sopstest.NewKey(f)
	d, err := New([]string{key.Identity})
	if err != nil {
		f.Fatal(err)
	}
	seeds := []struct {
		plain string
		sf    sopstest.Format
		f     Format
		opts  sopstest.Options
	}{
		{"a: secret-1\nb:\n  c: [secret-2, 3, 4.5, true, null]\n---\nd: secret-3\n", sopstest.YAML, YAML, sopstest.Options{}},
		{"apiVersion: v1\nkind: Secret\nstringData:\n  x: secret-1\n", sopstest.YAML, YAML,
			sopstest.Options{EncryptedRegex: "^stringData$", MACOnlyEncrypted: true}},
		{`{"a": "secret-1", "n": 1, "l": [{"b": false}], "f": 0.5}`, sopstest.JSON, JSON, sopstest.Options{}},
		{"A=secret-1\nB_unencrypted=visible\nC=multi\\nline\n", sopstest.Dotenv, Dotenv, sopstest.Options{}},
		{"[s]\nk = secret-1\n[t]\nu = 2\n", sopstest.INI, INI, sopstest.Options{}},
		{"\x00secret-1\xff", sopstest.Binary, Binary, sopstest.Options{}},
	}
	for _, s := range seeds {
		f.Add(sopstest.EncryptWith(f, []byte(s.plain), s.sf, s.opts, key.Recipient), uint8(s.f))
	}
	f.Add([]byte("sops:\n  mac: x\n"), uint8(YAML))
	f.Add([]byte("sops_mac=x\nsops_age__list_99999999__map_enc=y\n"), uint8(Dotenv))
	f.Fuzz(func(t *testing.T, data []byte, format uint8) {
		out, err := d.decrypt(data, Format(format%5))
		if err != nil {
			msg := err.Error()
			if strings.Contains(msg, "secret-") || strings.Contains(msg, "AGE-SECRET-KEY") {
				t.Fatalf("error leaks plaintext or key material: %q", msg)
			}
			return
		}
		if out == nil && len(data) > 0 && !bytes.Contains(data, []byte("sops")) {
			t.Fatal("success without a SOPS document")
		}
	})
}
