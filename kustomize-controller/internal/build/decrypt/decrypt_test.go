package decrypt_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/eddy-gitops/eddy/kustomize-controller/internal/build/decrypt"
	"github.com/eddy-gitops/eddy/kustomize-controller/internal/build/decrypt/sopstest"
)

func TestFormatForPath(t *testing.T) {
	for path, want := range map[string]decrypt.Format{
		"a/secret.yaml": decrypt.YAML, "b.YML": decrypt.YAML, "c.json": decrypt.JSON, "app.env": decrypt.Dotenv,
		"x.ini": decrypt.INI, "token.bin": decrypt.Binary, "noext": decrypt.Binary,
	} {
		if got := decrypt.FormatForPath(path); got != want {
			t.Errorf("FormatForPath(%q) = %v, want %v", path, got, want)
		}
	}
}

func TestAgeKeysFromSecret(t *testing.T) {
	s := &corev1.Secret{Data: map[string][]byte{
		"b.agekey": []byte("B"), "a.agekey": []byte("A"), "pgp.asc": []byte("P"), "agekey": []byte("no suffix"),
	}}
	if got := decrypt.AgeKeysFromSecret(s); !slices.Equal(got, []string{"A", "B"}) {
		t.Errorf("AgeKeysFromSecret = %v, want [A B]", got)
	}
}

// TestDecrypt round-trips each supported format through sops encryption and the Decryptor.
func TestDecrypt(t *testing.T) {
	key := sopstest.NewKey(t)
	d, err := decrypt.New([]string{sopstest.NewKey(t).Identity, key.Identity})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		plain  string
		enc    sopstest.Format
		format decrypt.Format
		want   string
	}{
		{name: "yaml", plain: "a: secret-1\nb:\n  c: secret-2\n", enc: sopstest.YAML, format: decrypt.YAML, want: "secret-2"},
		{name: "json", plain: `{"a": "secret-1"}`, enc: sopstest.JSON, format: decrypt.JSON, want: "secret-1"},
		{name: "dotenv", plain: "A=secret-1\n", enc: sopstest.Dotenv, format: decrypt.Dotenv, want: "A=secret-1"},
		{name: "binary", plain: "\x00raw secret-bytes\xff", enc: sopstest.Binary, format: decrypt.Binary, want: "\x00raw secret-bytes\xff"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ciphertext := sopstest.Encrypt(t, []byte(tt.plain), tt.enc, "", key.Recipient)
			if strings.Contains(string(ciphertext), "secret-") {
				t.Fatal("the fixture is not encrypted")
			}
			if !decrypt.LooksEncrypted(ciphertext, tt.format) {
				t.Error("LooksEncrypted = false for an encrypted document")
			}
			plain, err := d.Decrypt(ciphertext, tt.format)
			if err != nil {
				t.Fatalf("Decrypt: %v", err)
			}
			if !strings.Contains(string(plain), tt.want) {
				t.Errorf("plaintext %q does not contain %q", plain, tt.want)
			}
		})
	}
	t.Run("plain document", func(t *testing.T) {
		if _, err := d.Decrypt([]byte("a: b\n"), decrypt.YAML); !errors.Is(err, decrypt.ErrNotEncrypted) {
			t.Errorf("err = %v, want ErrNotEncrypted", err)
		}
	})
	t.Run("garbage", func(t *testing.T) {
		if _, err := d.Decrypt([]byte("sops: [\n"), decrypt.YAML); err == nil {
			t.Error("no error for a malformed document")
		}
	})
}

func TestNewRejectsBadKeys(t *testing.T) {
	for name, keys := range map[string][]string{
		"none":      nil,
		"comments":  {"# only a comment\n"},
		"malformed": {"AGE-SECRET-KEY-1SECRETSTUFF"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := decrypt.New(keys)
			if err == nil {
				t.Fatal("New accepted invalid keys")
			}
			if strings.Contains(err.Error(), "SECRETSTUFF") {
				t.Errorf("error %q leaks the key", err)
			}
		})
	}
}
