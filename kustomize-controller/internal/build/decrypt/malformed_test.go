package decrypt_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/eddy-gitops/eddy/kustomize-controller/internal/build/decrypt"
	"github.com/eddy-gitops/eddy/kustomize-controller/internal/build/decrypt/sopstest"
)

// TestDecryptMalformed feeds broken documents of every format: each gets a precise error (or
// ErrNotEncrypted without SOPS metadata), and no error repeats the document's content.
func TestDecryptMalformed(t *testing.T) {
	key := sopstest.NewKey(t)
	d, err := decrypt.New([]string{key.Identity})
	if err != nil {
		t.Fatal(err)
	}
	validDotenv := string(sopstest.Encrypt(t, []byte("A=secret-1\n"), sopstest.Dotenv, "", key.Recipient))
	tests := []struct {
		name string
		doc  string
		f    decrypt.Format
		want string // error substring; "not encrypted" means ErrNotEncrypted
	}{
		{"yaml syntax", "a: [secret-1\nsops: {}\n", decrypt.YAML, "malformed SOPS yaml document: invalid YAML (line"},
		{"yaml list document", "- secret-1\n- sops\n", decrypt.YAML, "malformed SOPS yaml document: invalid YAML"},
		{"yaml non-string key", "1: secret-1\nsops: {}\n", decrypt.YAML, "malformed SOPS yaml document"},
		{"yaml without metadata", "a: secret-1\n", decrypt.YAML, "not encrypted"},
		{"yaml metadata in a later document only", "a: secret-1\n---\nsops: {mac: x}\n", decrypt.YAML, "not encrypted"},
		{"yaml sops not a mapping", "a: secret-1\nsops: secret-2\n", decrypt.YAML, "malformed SOPS metadata: the sops entry is not a mapping"},
		{"yaml duplicate sops", "sops: {}\na: secret-1\nsops: {}\n", decrypt.YAML, "malformed SOPS yaml document"},
		{"yaml age not a list", "a: x\nsops:\n  lastmodified: '2024-01-01T00:00:00Z'\n  age: secret-2\n", decrypt.YAML,
			"malformed SOPS metadata: age is not a list"},
		{"yaml alias bomb", "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n" +
			"c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n" +
			"e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n" +
			"g: [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\nsops: {}\n", decrypt.YAML, "malformed SOPS yaml document"},
		{"json array", `["secret-1", "sops"]`, decrypt.JSON, "malformed SOPS json document: the JSON document is not an object"},
		{"json truncated", `{"a": "secret-1", "sops": {`, decrypt.JSON, "malformed SOPS json document: invalid JSON"},
		{"json without metadata", `{"a": "secret-1"}`, decrypt.JSON, "not encrypted"},
		{"binary not JSON", "\x00\x01 \"sops\" secret-1", decrypt.Binary, "malformed SOPS binary document: invalid JSON"},
		{"binary without data", `{"sops": {"lastmodified": "2024-01-01T00:00:00Z"}}`, decrypt.Binary, "cannot decrypt the SOPS data key"},
		{"dotenv line without =", "secret-1\nsops_mac=x\n", decrypt.Dotenv, "malformed SOPS dotenv document: line 1 is not KEY=VALUE"},
		{"dotenv without metadata", "A=secret-1\n", decrypt.Dotenv, "not encrypted"},
		{"dotenv list with a gap", "A=x\nsops_lastmodified=2024-01-01T00:00:00Z\nsops_age__list_5__map_enc=secret-2\n", decrypt.Dotenv,
			"malformed SOPS metadata: a list has gaps"},
		{"dotenv huge list index", "A=x\nsops_age__list_99999999999__map_enc=y\n", decrypt.Dotenv, "malformed SOPS metadata"},
		{"dotenv value and map", "A=x\nsops_age=1\nsops_age__map_x=2\n", decrypt.Dotenv, "malformed SOPS metadata"},
		{"dotenv MAC of another file", strings.Replace(validDotenv, "A=", "B=", 1), decrypt.Dotenv, "SOPS MAC mismatch"},
		{"ini without metadata", "[a]\nk = secret-1\n", decrypt.INI, "not encrypted"},
		{"ini sops keys outside a section", "sops = secret-1\n", decrypt.INI, "not encrypted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := d.Decrypt([]byte(tt.doc), tt.f)
			if tt.want == "not encrypted" {
				if !errors.Is(err, decrypt.ErrNotEncrypted) {
					t.Fatalf("err = %v, want ErrNotEncrypted", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "secret-") {
				t.Errorf("error %q repeats the document", err)
			}
		})
	}
}
