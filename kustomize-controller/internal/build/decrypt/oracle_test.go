package decrypt_test

import (
	"bytes"
	"encoding/json"
	"io"
	"reflect"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
	"gopkg.in/ini.v1"

	"github.com/eddy-gitops/eddy/kustomize-controller/internal/build/decrypt"
	"github.com/eddy-gitops/eddy/kustomize-controller/internal/build/decrypt/sopstest"
)

// oracleCase is a plaintext document that sops (the oracle) encrypts and the Decryptor must
// turn back into the same data.
type oracleCase struct {
	name  string
	plain string
	f     sopstest.Format
	opts  sopstest.Options
	// clear are substrings that must stay readable in the ciphertext (values the options leave
	// unencrypted); all other "secret" markers must be encrypted.
	clear []string
}

var formats = map[sopstest.Format]decrypt.Format{
	sopstest.YAML: decrypt.YAML, sopstest.JSON: decrypt.JSON, sopstest.Dotenv: decrypt.Dotenv,
	sopstest.INI: decrypt.INI, sopstest.Binary: decrypt.Binary,
}

const k8sSecret = `apiVersion: v1
kind: Secret
metadata:
  name: db
  namespace: apps
  labels:
    app: db
type: Opaque
stringData:
  password: secret-pw
  config.yaml: |
    user: admin
    pass: secret-nested
data:
  token: c2VjcmV0LXRva2Vu
`

var oracleCases = []oracleCase{
	{name: "yaml strings", f: sopstest.YAML, plain: "empty: ''\nunicode: 'sécret ☃ 秘密'\n" +
		"multi: |\n  line one\n  line two\n" + "numberish: '42'\nfloatish: '1.5'\nboolish: 'true'\nnullish: 'null'\n" +
		"spaces: '  padded  '\nquote: \"it's \\\"quoted\\\"\"\n"},
	{name: "yaml ints and floats", f: sopstest.YAML, plain: "i: 42\nneg: -7\nzero: 0\nbig: 9007199254740993\n" +
		"hex: 0x1F\nf: 1.5\nexp: 1e6\nsmall: 0.1\nnegf: -2.25\nwhole: 3.0\ninf: .inf\n"},
	{name: "yaml bools and null", f: sopstest.YAML, plain: "t: true\nf: false\nn: null\ntilde: ~\nempty:\n"},
	{name: "yaml nested", f: sopstest.YAML, plain: "a:\n  b:\n    c: secret-deep\n    d: [1, two, 3.5, false]\n  e: {}\n  f: []\n"},
	{name: "yaml lists", f: sopstest.YAML, plain: "scalars: [a, b, c]\nmaps:\n- name: x\n  value: secret-1\n- name: y\n  value: 2\n" +
		"lists:\n- [1, 2]\n- [a, [b, c]]\n- []\n"},
	{name: "yaml multi-document", f: sopstest.YAML, plain: "a: secret-1\n---\nb: secret-2\nc: [1, 2]\n---\nd:\n  e: true\n"},
	{name: "yaml comments", f: sopstest.YAML, plain: "# head comment\na: secret-1 # inline\n# between\nb:\n  # nested\n  c: secret-2\nl:\n# in list\n- secret-3\n"},
	{name: "yaml anchors", f: sopstest.YAML, plain: "base: &b\n  x: secret-1\n  y: 2\ncopy: *b\nscalar: &s secret-2\nref: *s\n"},
	{name: "yaml Secret with encrypted_regex", f: sopstest.YAML, plain: k8sSecret,
		opts: sopstest.Options{EncryptedRegex: "^(data|stringData)$"}, clear: []string{"name: db", "app: db"}},
	{name: "yaml Secret fully encrypted", f: sopstest.YAML, plain: k8sSecret},
	{name: "yaml default unencrypted suffix", f: sopstest.YAML, plain: "public_unencrypted: visible-1\nsecret: secret-1\n" +
		"nested_unencrypted:\n  inner: visible-2\n", clear: []string{"visible-1", "visible-2"}},
	{name: "yaml unencrypted_suffix", f: sopstest.YAML, plain: "name_plain: visible-1\nkey: secret-1\nl_plain: [visible-2]\n",
		opts: sopstest.Options{UnencryptedSuffix: "_plain"}, clear: []string{"visible-1", "visible-2"}},
	{name: "yaml encrypted_suffix", f: sopstest.YAML, plain: "name: visible-1\nkey_enc: secret-1\nmap_enc:\n  a: secret-2\n  b: 3\n",
		opts: sopstest.Options{EncryptedSuffix: "_enc"}, clear: []string{"visible-1"}},
	{name: "yaml unencrypted_regex", f: sopstest.YAML, plain: "meta:\n  name: visible-1\nspec:\n  key: secret-1\n  metaphor: secret-2\n",
		opts: sopstest.Options{UnencryptedRegex: "^meta$"}, clear: []string{"visible-1"}},
	{name: "yaml encrypted_regex nested", f: sopstest.YAML, plain: "a:\n  password: secret-1\n  user: visible-1\nlist:\n- password: secret-2\n  n: 1\n",
		opts: sopstest.Options{EncryptedRegex: "pass"}, clear: []string{"visible-1"}},
	{name: "yaml invalid encrypted_regex encrypts nothing", f: sopstest.YAML, plain: "a: visible-1\n",
		opts: sopstest.Options{EncryptedRegex: "(["}, clear: []string{"visible-1"}},
	{name: "yaml mac_only_encrypted", f: sopstest.YAML, plain: "apiVersion: v1\nkind: Secret\nstringData:\n  a: secret-1\n  n: 5\n",
		opts: sopstest.Options{EncryptedRegex: "^stringData$", MACOnlyEncrypted: true}, clear: []string{"kind: Secret"}},
	{name: "yaml mac_only_encrypted everything", f: sopstest.YAML, plain: "a: secret-1\nb: [1, 2.5, true]\n",
		opts: sopstest.Options{MACOnlyEncrypted: true}},
	{name: "yaml unencrypted typed values", f: sopstest.YAML, plain: "i_unencrypted: 3\nf_unencrypted: 1e6\ng_unencrypted: 0.1\n" +
		"h_unencrypted: -1.50\nb_unencrypted: true\nn_unencrypted: null\nl_unencrypted: [1, 2.5, 'x', false]\nx: secret-1\n",
		// (No whole floats such as 2.0 in the clear: sops itself writes them as integers.)
		clear: []string{"g_unencrypted: 0.1", "h_unencrypted: -1.5"}},
	{name: "json unencrypted typed values", f: sopstest.JSON, plain: `{"i_unencrypted": 3, "f_unencrypted": 1e6, "g_unencrypted": 1.0,
		"b_unencrypted": false, "n_unencrypted": null, "big_unencrypted": 123456789012345678901, "x": "secret-1"}`,
		clear: []string{`"i_unencrypted": 3`, `"b_unencrypted": false`}},
	{name: "json", f: sopstest.JSON, plain: `{"s": "secret-1", "empty": "", "i": 7, "neg": -3, "f": 1.5, "e": 1e6, "small": 0.1,
		"t": true, "n": null, "nested": {"a": ["secret-2", 2, {"b": false}], "c": []}, "uni": "秘密\n2"}`},
	{name: "json big numbers", f: sopstest.JSON, plain: `{"big": 12345678901234567890, "whole": 2.0, "neg": -0.5}`},
	{name: "json unencrypted_suffix", f: sopstest.JSON, plain: `{"id_clear": "visible-1", "key": "secret-1"}`,
		opts: sopstest.Options{UnencryptedSuffix: "_clear"}, clear: []string{"visible-1"}},
	{name: "dotenv", f: sopstest.Dotenv, plain: "USER=secret-1\nEMPTY=\nMULTI=line1\\nline2\n# comment\nNUM=42\nEQ=a=b=secret-2\n"},
	{name: "dotenv encrypted_regex", f: sopstest.Dotenv, plain: "PUBLIC=visible-1\nPASSWORD=secret-1\n",
		opts: sopstest.Options{EncryptedRegex: "^PASS"}, clear: []string{"visible-1"}},
	{name: "dotenv mac_only_encrypted", f: sopstest.Dotenv, plain: "PUBLIC_unencrypted=visible-1\nPASSWORD=secret-1\n",
		opts: sopstest.Options{MACOnlyEncrypted: true}, clear: []string{"visible-1"}},
	{name: "ini", f: sopstest.INI, plain: "top = secret-0\n[db]\nuser = secret-1\npassword = secret-2\n; comment\n[empty]\n[app]\nport = 8080\n"},
	{name: "ini unencrypted_regex", f: sopstest.INI, plain: "[public]\nname = visible-1\n[private]\nkey = secret-1\n",
		opts: sopstest.Options{UnencryptedRegex: "^public$"}, clear: []string{"visible-1"}},
	{name: "binary", f: sopstest.Binary, plain: "\x00\x01secret-raw\xff\n"},
	{name: "binary text", f: sopstest.Binary, plain: "-----BEGIN KEY-----\nsecret-pem\n-----END KEY-----\n"},
	{name: "binary empty", f: sopstest.Binary, plain: ""},
}

// TestDecryptOracle encrypts each document with sops and checks that the Decryptor returns
// the same data, with the options' unencrypted values readable in the ciphertext and every
// other marked value encrypted.
func TestDecryptOracle(t *testing.T) {
	held := sopstest.NewKey(t)
	other := sopstest.NewKey(t)
	d, err := decrypt.New([]string{held.Identity})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range oracleCases {
		t.Run(tt.name, func(t *testing.T) {
			// Two recipients, the held key second: the Decryptor must try every age entry.
			enc := sopstest.EncryptWith(t, []byte(tt.plain), tt.f, tt.opts, other.Recipient, held.Recipient)
			for _, c := range tt.clear {
				if !bytes.Contains(enc, []byte(c)) {
					t.Errorf("%q should stay unencrypted", c)
				}
			}
			if bytes.Contains(enc, []byte("secret-")) && tt.f != sopstest.Binary {
				t.Errorf("a secret value is in the clear:\n%s", enc)
			}
			f := formats[tt.f]
			if !decrypt.LooksEncrypted(enc, f) {
				t.Error("LooksEncrypted = false")
			}
			got, err := d.Decrypt(enc, f)
			if err != nil {
				t.Fatalf("Decrypt: %v\n%s", err, enc)
			}
			assertSameData(t, f, []byte(tt.plain), got)
		})
	}
}

// assertSameData compares two documents by their data, not their bytes.
func assertSameData(t *testing.T, f decrypt.Format, want, got []byte) {
	t.Helper()
	var w, g any
	switch f {
	case decrypt.YAML:
		w, g = yamlDocs(t, want), yamlDocs(t, got)
	case decrypt.JSON:
		w, g = jsonData(t, want), jsonData(t, got)
	case decrypt.Dotenv:
		w, g = dotenvData(want), dotenvData(got)
	case decrypt.INI:
		w, g = iniData(t, want), iniData(t, got)
	default:
		w, g = string(want), string(got)
	}
	if !reflect.DeepEqual(w, g) {
		t.Errorf("decrypted data differs\nwant: %#v\ngot:  %#v\noutput:\n%s", w, g, got)
	}
}

func yamlDocs(t *testing.T, b []byte) []any {
	t.Helper()
	var docs []any
	dec := yaml.NewDecoder(bytes.NewReader(b))
	for {
		var v any
		err := dec.Decode(&v)
		if err == io.EOF {
			return docs
		}
		if err != nil {
			t.Fatalf("invalid YAML %q: %v", b, err)
		}
		docs = append(docs, v)
	}
}

func jsonData(t *testing.T, b []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("invalid JSON %q: %v", b, err)
	}
	return v
}

// dotenvData reads KEY=VALUE lines the way the sops dotenv format defines them.
func dotenvData(b []byte) map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, _ := strings.Cut(line, "=")
		m[k] = strings.ReplaceAll(v, `\n`, "\n")
	}
	return m
}

func iniData(t *testing.T, b []byte) map[string]map[string]string {
	t.Helper()
	f, err := ini.Load(b)
	if err != nil {
		t.Fatalf("invalid INI %q: %v", b, err)
	}
	m := map[string]map[string]string{}
	for _, s := range f.Sections() {
		if len(s.Keys()) == 0 {
			continue
		}
		m[s.Name()] = s.KeysHash()
	}
	return m
}
