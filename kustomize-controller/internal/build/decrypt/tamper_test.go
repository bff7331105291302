package decrypt_test

import (
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/eddy-gitops/eddy/kustomize-controller/internal/build/decrypt"
	"github.com/eddy-gitops/eddy/kustomize-controller/internal/build/decrypt/sopstest"
)

var encValue = regexp.MustCompile(`ENC\[AES256_GCM,[^\]]*\]`)

// swapFirstTwo exchanges the first two ENC[...] values of a document (the MAC is not one of
// them: it comes last).
func swapFirstTwo(doc string) string {
	locs := encValue.FindAllStringIndex(doc, 2)
	a, b := doc[locs[0][0]:locs[0][1]], doc[locs[1][0]:locs[1][1]]
	return doc[:locs[0][0]] + b + doc[locs[0][1]:locs[1][0]] + a + doc[locs[1][1]:]
}

// editSops changes the sops metadata mapping of a YAML document, keeping the data untouched.
func editSops(t *testing.T, doc string, edit func(m *yaml.Node)) string {
	t.Helper()
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(doc), &n); err != nil {
		t.Fatal(err)
	}
	root := n.Content[0]
	for i := 0; i < len(root.Content); i += 2 {
		if root.Content[i].Value == "sops" {
			edit(root.Content[i+1])
		}
	}
	out, err := yaml.Marshal(&n)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// mapKey returns the index of key's value in a mapping node, or -1.
func mapKey(m *yaml.Node, key string) int {
	for i := 0; i < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return i + 1
		}
	}
	return -1
}

// TestDecryptTampering changes encrypted documents after encryption: every change to data the
// MAC covers must fail with the MAC error, and no error may contain a value.
func TestDecryptTampering(t *testing.T) {
	key := sopstest.NewKey(t)
	d, err := decrypt.New([]string{key.Identity})
	if err != nil {
		t.Fatal(err)
	}
	enc := func(plain string, f sopstest.Format, o sopstest.Options) string {
		return string(sopstest.EncryptWith(t, []byte(plain), f, o, key.Recipient))
	}
	plainSuffix := sopstest.Options{UnencryptedSuffix: "_plain"}
	tests := []struct {
		name   string
		doc    string
		format decrypt.Format
		want   string // error substring; "" means the change is not covered and must succeed
	}{
		{name: "unencrypted value changed", format: decrypt.YAML,
			doc:  strings.Replace(enc("name_plain: visible-1\nkey: secret-1\n", sopstest.YAML, plainSuffix), "visible-1", "visible-2", 1),
			want: "SOPS MAC mismatch: the document was modified after it was encrypted"},
		{name: "encrypted key renamed", format: decrypt.YAML,
			doc:  strings.Replace(enc("name_plain: visible-1\nkey: secret-1\n", sopstest.YAML, plainSuffix), "key:", "kez:", 1),
			want: "SOPS MAC mismatch: the document was modified after it was encrypted (the value at 'kez' does not authenticate)"},
		// As in SOPS, the MAC covers values, not the keys of unencrypted values.
		{name: "unencrypted key renamed: not covered", format: decrypt.YAML,
			doc: strings.Replace(enc("name_plain: visible-1\nkey: secret-1\n", sopstest.YAML, plainSuffix), "name_plain", "other_plain", 1)},
		{name: "encrypted values swapped", format: decrypt.YAML,
			doc:  swapFirstTwo(enc("a: secret-1\nb: secret-2\n", sopstest.YAML, sopstest.Options{})),
			want: "SOPS MAC mismatch: the document was modified after it was encrypted (the value at 'a' does not authenticate)"},
		{name: "list elements swapped", format: decrypt.YAML,
			doc:  swapFirstTwo(enc("l:\n- secret-1\n- secret-2\n", sopstest.YAML, sopstest.Options{})),
			want: "SOPS MAC mismatch: the document was modified after it was encrypted"},
		{name: "encrypted key removed", format: decrypt.YAML,
			doc:  regexp.MustCompile(`(?m)^b: .*\n`).ReplaceAllString(enc("a: secret-1\nb: secret-2\n", sopstest.YAML, sopstest.Options{}), ""),
			want: "SOPS MAC mismatch"},
		{name: "lastmodified changed", format: decrypt.YAML,
			doc:  regexp.MustCompile(`lastmodified: "[^"]*"`).ReplaceAllString(enc("a: secret-1\n", sopstest.YAML, sopstest.Options{}), `lastmodified: "2001-02-03T04:05:06Z"`),
			want: "SOPS MAC mismatch"},
		{name: "MAC truncated", format: decrypt.YAML,
			doc:  regexp.MustCompile(`(mac: ENC\[AES256_GCM,data:[^,]{10})[^\n]*`).ReplaceAllString(enc("a: secret-1\n", sopstest.YAML, sopstest.Options{}), "$1"),
			want: "SOPS MAC mismatch"},
		{name: "MAC removed", format: decrypt.YAML,
			doc:  regexp.MustCompile(`(?m)^    mac: .*\n`).ReplaceAllString(enc("a: secret-1\n", sopstest.YAML, sopstest.Options{}), ""),
			want: "SOPS MAC mismatch"},
		{name: "encrypted value replaced by plaintext", format: decrypt.YAML,
			doc:  encValue.ReplaceAllStringFunc(enc("a: secret-1\n", sopstest.YAML, sopstest.Options{}), once("secret-plain")),
			want: "cannot decrypt the SOPS values: the document is corrupted (value at 'a': malformed encrypted value)"},
		{name: "mac_only_encrypted: unencrypted value not covered", format: decrypt.YAML,
			doc: strings.Replace(enc("kind: Secret\nstringData:\n  a: secret-1\n", sopstest.YAML,
				sopstest.Options{EncryptedRegex: "^stringData$", MACOnlyEncrypted: true}), "kind: Secret", "kind: ConfigMap", 1)},
		{name: "mac_only_encrypted: encrypted value swapped", format: decrypt.YAML,
			doc: swapFirstTwo(enc("s:\n  a: secret-1\n  b: secret-2\n", sopstest.YAML,
				sopstest.Options{EncryptedRegex: "^s$", MACOnlyEncrypted: true})),
			want: "SOPS MAC mismatch"},
		{name: "json unencrypted value changed", format: decrypt.JSON,
			doc:  strings.Replace(enc(`{"id_plain": 1, "k": "secret-1"}`, sopstest.JSON, plainSuffix), `"id_plain": 1`, `"id_plain": 2`, 1),
			want: "SOPS MAC mismatch"},
		{name: "dotenv unencrypted value changed", format: decrypt.Dotenv,
			doc:  strings.Replace(enc("A_unencrypted=visible-1\nB=secret-1\n", sopstest.Dotenv, sopstest.Options{}), "visible-1", "visible-2", 1),
			want: "SOPS MAC mismatch"},
		{name: "dotenv values swapped", format: decrypt.Dotenv,
			doc:  swapFirstTwo(enc("A=secret-1\nB=secret-2\n", sopstest.Dotenv, sopstest.Options{})),
			want: "SOPS MAC mismatch"},
		{name: "ini values swapped across sections", format: decrypt.INI,
			doc:  swapFirstTwo(enc("[a]\nk = secret-1\n[b]\nk = secret-2\n", sopstest.INI, sopstest.Options{})),
			want: "SOPS MAC mismatch"},
		{name: "binary data replaced", format: decrypt.Binary,
			doc:  swapFirstTwo(enc("secret-1", sopstest.Binary, sopstest.Options{})), // data and MAC swapped
			want: "SOPS MAC mismatch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := d.Decrypt([]byte(tt.doc), tt.format)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Decrypt: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "secret-") || strings.Contains(err.Error(), "visible-") {
				t.Errorf("error %q contains a value", err)
			}
		})
	}
}

// once returns a replacement function that replaces only its first match.
func once(with string) func(string) string {
	done := false
	return func(s string) string {
		if done {
			return s
		}
		done = true
		return with
	}
}

// TestDecryptRefusals covers the documents Eddy refuses with a clear message rather than
// decrypting them wrongly, and the key layouts it accepts.
func TestDecryptRefusals(t *testing.T) {
	key := sopstest.NewKey(t)
	other := sopstest.NewKey(t)
	d, err := decrypt.New([]string{key.Identity})
	if err != nil {
		t.Fatal(err)
	}
	enc := func(o sopstest.Options, recipients ...string) string {
		return string(sopstest.EncryptWith(t, []byte("# c\na: secret-1\n"), sopstest.YAML, o, recipients...))
	}
	tests := []struct {
		name string
		doc  string
		want string // "" means success
	}{
		{name: "unencrypted_comment_regex", doc: enc(sopstest.Options{UnencryptedCommentRegex: "public"}, key.Recipient),
			want: "SOPS option unencrypted_comment_regex is not supported"},
		{name: "encrypted_comment_regex", doc: enc(sopstest.Options{EncryptedCommentRegex: "sops:enc"}, key.Recipient),
			want: "SOPS option encrypted_comment_regex is not supported"},
		{name: "Shamir across two key groups", doc: enc(sopstest.Options{Groups: [][]string{{key.Recipient}, {other.Recipient}}}),
			want: "cannot decrypt the SOPS data key: it is split across 2 key groups (Shamir secret sharing), which is not supported; age recipients: " +
				key.Recipient + ", " + other.Recipient},
		{name: "not our recipient", doc: enc(sopstest.Options{}, other.Recipient),
			want: "cannot decrypt the SOPS data key: none of the configured age keys matches the recipients " + other.Recipient},
		{name: "no age recipient, a PGP key", want: "none of the configured age keys matches (the document has no age recipients); 1 non-age key(s) (PGP, KMS, Vault) are not supported",
			doc: editSops(t, enc(sopstest.Options{}, key.Recipient), func(m *yaml.Node) {
				m.Content[mapKey(m, "age")-1].Value = "pgp"
			})},
		{name: "one group in key_groups", doc: editSops(t, enc(sopstest.Options{}, other.Recipient, key.Recipient), func(m *yaml.Node) {
			i := mapKey(m, "age")
			group := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{m.Content[i-1], m.Content[i]}}
			m.Content = append(m.Content[:i-1], m.Content[i+1:]...)
			m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "key_groups"},
				&yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{group}})
		})},
		{name: "two encryption rules", want: "malformed SOPS yaml document: malformed SOPS metadata: more than one of",
			doc: editSops(t, enc(sopstest.Options{}, key.Recipient), func(m *yaml.Node) {
				m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Value: "encrypted_regex"},
					&yaml.Node{Kind: yaml.ScalarNode, Value: "x"})
			})},
		{name: "bad lastmodified", want: "malformed SOPS metadata: lastmodified is not an RFC 3339 timestamp",
			doc: regexp.MustCompile(`lastmodified: "[^"]*"`).ReplaceAllString(enc(sopstest.Options{}, key.Recipient), `lastmodified: yesterday`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := d.Decrypt([]byte(tt.doc), decrypt.YAML)
			if tt.want == "" {
				if err != nil || !strings.Contains(string(out), "secret-1") {
					t.Fatalf("Decrypt = %q, %v; want the plaintext", out, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}
