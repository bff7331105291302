package build

import (
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fluxcd/pkg/apis/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	kustomizev1 "github.com/eddy-gitops/eddy/api/kustomize/v1"
	"github.com/eddy-gitops/eddy/kustomize-controller/internal/build/decrypt/sopstest"
	"github.com/eddy-gitops/eddy/pkg/reconcile"
)

const plainSecret = `apiVersion: v1
kind: Secret
metadata:
  name: db
  namespace: apps
type: Opaque
stringData:
  password: s3cr3t-password
data:
  token: c2VjcmV0LXRva2Vu
`

const k8sRegex = "^(data|stringData)$"

// sopsTree returns an artifact with SOPS-encrypted files, all encrypted in the test for key.
func sopsTree(t *testing.T, key sopsage) string {
	t.Helper()
	enc := func(plain string, f sopstest.Format, regex string) string {
		return string(sopstest.Encrypt(t, []byte(plain), f, regex, key.Recipient))
	}
	return writeTree(t, map[string]string{
		// A Secret encrypted the usual way (only data/stringData), in a plain directory.
		"plain/secret.yaml": enc(plainSecret, sopstest.YAML, k8sRegex),
		"plain/cm.yaml":     cm("public", "data:\n  a: b\n"),
		// Every value encrypted, apiVersion and kind included.
		"full/secret.yaml": enc(strings.Replace(plainSecret, "name: db", "name: full", 1), sopstest.YAML, ""),
		// secretGenerator inputs: dotenv, binary and JSON files.
		"generator/kustomization.yaml": "secretGenerator:\n- name: gen\n  envs:\n  - app.env\n  files:\n  - token.bin\n  - config.json\n" +
			"generatorOptions:\n  disableNameSuffixHash: true\n",
		"generator/app.env":     enc("USER=admin\nPASSWORD=env-password\n", sopstest.Dotenv, ""),
		"generator/token.bin":   enc("binary-token-value", sopstest.Binary, ""),
		"generator/config.json": enc(`{"apiKey": "json-api-key"}`, sopstest.JSON, ""),
		"generator-files/kustomization.yaml": "secretGenerator:\n- name: files\n  files:\n  - token.bin\n" +
			"generatorOptions:\n  disableNameSuffixHash: true\n",
		"generator-files/token.bin": enc("binary-token-value", sopstest.Binary, ""),
		// Opted out: must stay encrypted.
		"optout/secret.yaml": enc(strings.Replace(plainSecret, "namespace: apps",
			"namespace: apps\n  annotations:\n    kustomize.toolkit.fluxcd.io/decrypt: Disabled", 1), sopstest.YAML, k8sRegex),
	})
}

type sopsage = sopstest.Key

func secretValue(t *testing.T, o *unstructured.Unstructured, key string) string {
	t.Helper()
	if v := field(t, o, "stringData", key); v != "" {
		return v
	}
	b, err := base64.StdEncoding.DecodeString(field(t, o, "data", key))
	if err != nil {
		t.Fatalf("data.%s: %v", key, err)
	}
	return string(b)
}

// TestBuildDecryption decrypts SOPS-encrypted manifests and secretGenerator inputs with age keys,
// also when kustomize changes the object (namespace, prefix, labels), which would break the
// SOPS MAC if decryption happened after the build.
func TestBuildDecryption(t *testing.T) {
	key := sopstest.NewKey(t)
	other := sopstest.NewKey(t)
	root := sopsTree(t, key)
	before := treeHash(t, root)
	dec := &kustomizev1.Decryption{Provider: "sops"}
	tests := []struct {
		name  string
		spec  func(*kustomizev1.KustomizationSpec)
		keys  []string
		obj   string
		check map[string]string
	}{
		{name: "Secret with encrypted data and stringData", keys: []string{key.Identity},
			spec: func(s *kustomizev1.KustomizationSpec) { s.Path = "plain"; s.Decryption = dec },
			obj:  "db", check: map[string]string{"password": "s3cr3t-password", "token": "secret-token"}},
		{name: "kustomize transforms an encrypted Secret", keys: []string{other.Identity, key.Identity},
			spec: func(s *kustomizev1.KustomizationSpec) {
				s.Path = "plain"
				s.Decryption = dec
				s.TargetNamespace = "team-a"
				s.NamePrefix = "x-"
				s.CommonMetadata = &kustomizev1.CommonMetadata{Labels: map[string]string{"team": "a"}}
			},
			obj: "x-db", check: map[string]string{"password": "s3cr3t-password"}},
		{name: "fully encrypted document", keys: []string{key.Identity},
			spec: func(s *kustomizev1.KustomizationSpec) { s.Path = "full"; s.Decryption = dec },
			obj:  "full", check: map[string]string{"password": "s3cr3t-password"}},
		{name: "secretGenerator with encrypted dotenv, binary and JSON files", keys: []string{key.Identity},
			spec: func(s *kustomizev1.KustomizationSpec) { s.Path = "generator"; s.Decryption = dec },
			obj:  "gen", check: map[string]string{"USER": "admin", "PASSWORD": "env-password",
				"token.bin": "binary-token-value", "config.json": `{"apiKey":"json-api-key"}`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			objs, err := Build(t.Context(), Input{Root: root, Kustomization: ks(tt.spec), DecryptionKeys: tt.keys, NoRemoteBases: true})
			if err != nil {
				t.Fatalf("Build: %v", err)
			}
			o := find(t, objs, "Secret", tt.obj)
			if _, has := o.Object["sops"]; has {
				t.Error("the SOPS metadata is still in the object")
			}
			for k, want := range tt.check {
				if got := strings.Join(strings.Fields(secretValue(t, o, k)), ""); got != strings.Join(strings.Fields(want), "") {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
		})
	}
	if treeHash(t, root) != before {
		t.Error("the build modified the artifact root")
	}
	assertNoPlaintext(t, root, "s3cr3t-password", "env-password", "binary-token-value", "json-api-key")
}

// assertNoPlaintext fails if a secret value is found in any file under root.
func assertNoPlaintext(t *testing.T, root string, secrets ...string) {
	t.Helper()
	_ = filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		b, _ := os.ReadFile(p)
		for _, s := range secrets {
			if strings.Contains(string(b), s) {
				t.Errorf("%s contains plaintext", p)
			}
		}
		return nil
	})
}

func TestBuildDecryptionOptOut(t *testing.T) {
	key := sopstest.NewKey(t)
	root := sopsTree(t, key)
	for name, spec := range map[string]func(*kustomizev1.KustomizationSpec){
		"with decryption": func(s *kustomizev1.KustomizationSpec) {
			s.Path = "optout"
			s.Decryption = &kustomizev1.Decryption{Provider: "sops"}
		},
		"without decryption": func(s *kustomizev1.KustomizationSpec) { s.Path = "optout" },
	} {
		t.Run(name, func(t *testing.T) {
			objs, err := Build(t.Context(), Input{Root: root, Kustomization: ks(spec), DecryptionKeys: []string{key.Identity}})
			if err != nil {
				t.Fatalf("Build: %v", err)
			}
			o := find(t, objs, "Secret", "db")
			if _, has := o.Object["sops"]; !has {
				t.Error("an opted-out object was decrypted")
			}
			if got := field(t, o, "stringData", "password"); !strings.HasPrefix(got, "ENC[") {
				t.Errorf("stringData.password = %q, want ciphertext", got)
			}
		})
	}
}

func TestBuildDecryptionErrors(t *testing.T) {
	key := sopstest.NewKey(t)
	wrong := sopstest.NewKey(t)
	root := sopsTree(t, key)
	// Tamper with an unencrypted field after encryption: the MAC must catch it.
	tampered := filepath.Join(root, "tampered", "secret.yaml")
	data, _ := os.ReadFile(filepath.Join(root, "plain", "secret.yaml"))
	_ = os.MkdirAll(filepath.Dir(tampered), 0o755)
	_ = os.WriteFile(tampered, []byte(strings.Replace(string(data), "type: Opaque", "type: kubernetes.io/tls", 1)), 0o644)

	dec := &kustomizev1.Decryption{Provider: "sops"}
	tests := []struct {
		name     string
		spec     func(*kustomizev1.KustomizationSpec)
		keys     []string
		contains []string
	}{
		{name: "wrong key", keys: []string{wrong.Identity},
			spec:     func(s *kustomizev1.KustomizationSpec) { s.Path = "plain"; s.Decryption = dec },
			contains: []string{"Secret/apps/db", "none of the configured age keys matches the recipients " + key.Recipient}},
		{name: "wrong key for a generator input", keys: []string{wrong.Identity},
			spec: func(s *kustomizev1.KustomizationSpec) { s.Path = "generator"; s.Decryption = dec },
			contains: []string{"Secret/gen is generated from a SOPS-encrypted env file that could not be decrypted",
				"generator/app.env: cannot decrypt the SOPS data key"}},
		{name: "wrong key for a generator file", keys: []string{wrong.Identity},
			spec:     func(s *kustomizev1.KustomizationSpec) { s.Path = "generator-files"; s.Decryption = dec },
			contains: []string{"Secret/files: data key 'token.bin': cannot decrypt the SOPS data key: none of the configured age keys matches"}},
		{name: "encrypted Secret without spec.decryption", keys: []string{key.Identity},
			spec:     func(s *kustomizev1.KustomizationSpec) { s.Path = "plain" },
			contains: []string{"Secret/apps/db is SOPS-encrypted: set spec.decryption"}},
		{name: "MAC mismatch", keys: []string{key.Identity},
			spec:     func(s *kustomizev1.KustomizationSpec) { s.Path = "tampered"; s.Decryption = dec },
			contains: []string{"Secret/apps/db", "MAC mismatch"}},
		{name: "no keys at all",
			spec:     func(s *kustomizev1.KustomizationSpec) { s.Path = "plain"; s.Decryption = dec },
			contains: []string{"no age keys"}},
		{name: "malformed key", keys: []string{"AGE-SECRET-KEY-1NOTAKEY"},
			spec:     func(s *kustomizev1.KustomizationSpec) { s.Path = "plain"; s.Decryption = dec },
			contains: []string{"age key 1 of 1 is not a valid age identity"}},
		{name: "unsupported provider", keys: []string{key.Identity},
			spec: func(s *kustomizev1.KustomizationSpec) {
				s.Path = "plain"
				s.Decryption = &kustomizev1.Decryption{Provider: "vault"}
			},
			contains: []string{"decryption provider 'vault' is not supported"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Build(t.Context(), Input{Root: root, Kustomization: ks(tt.spec), DecryptionKeys: tt.keys, NoRemoteBases: true})
			var g *reconcile.Generic
			if !errors.As(err, &g) || g.Reason != meta.BuildFailedReason {
				t.Fatalf("error %v: want BuildFailed", err)
			}
			for _, c := range tt.contains {
				if !strings.Contains(err.Error(), c) {
					t.Errorf("error %q does not contain %q", err, c)
				}
			}
			for _, secret := range []string{"s3cr3t-password", "env-password", "AGE-SECRET-KEY", root} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error %q leaks %q", err, secret)
				}
			}
		})
	}
}
