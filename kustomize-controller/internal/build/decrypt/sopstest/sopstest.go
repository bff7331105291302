package sopstest

import (
	"testing"
	"time"

	"filippo.io/age"
	"github.com/getsops/sops/v3"
	"github.com/getsops/sops/v3/aes"
	sopsage "github.com/getsops/sops/v3/age"
	"github.com/getsops/sops/v3/config"
	"github.com/getsops/sops/v3/keyservice"
	"github.com/getsops/sops/v3/stores/dotenv"
	"github.com/getsops/sops/v3/stores/ini"
	sopsjson "github.com/getsops/sops/v3/stores/json"
	sopsyaml "github.com/getsops/sops/v3/stores/yaml"
)

// Key is an age key pair.
type Key struct {
	// Identity is the private key file content ("AGE-SECRET-KEY-1...").
	Identity string
	// Recipient is the public key ("age1...").
	Recipient string
}

// NewKey generates an age key pair.
func NewKey(t testing.TB) Key {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	return Key{Identity: "# test key\n" + id.String() + "\n", Recipient: id.Recipient().String()}
}

// Format selects the SOPS store used to encrypt.
type Format int

// The formats sopstest encrypts.
const (
	YAML Format = iota
	JSON
	Dotenv
	Binary
	INI
)

type store interface {
	LoadPlainFile([]byte) (sops.TreeBranches, error)
	EmitEncryptedFile(sops.Tree) ([]byte, error)
}

func storeFor(f Format) store {
	c := config.NewStoresConfig()
	switch f {
	case JSON:
		return sopsjson.NewStore(&c.JSON)
	case Dotenv:
		return dotenv.NewStore(&c.Dotenv)
	case Binary:
		return sopsjson.NewBinaryStore(&c.JSONBinary)
	case INI:
		return ini.NewStore(&c.INI)
	default:
		return sopsyaml.NewStore(&c.YAML)
	}
}

// Options are the sops encryption options a fixture uses. Without any of the suffix/regex
// rules, the sops CLI's default applies (values under keys ending in "_unencrypted" stay
// in the clear).
type Options struct {
	UnencryptedSuffix, EncryptedSuffix             string
	UnencryptedRegex, EncryptedRegex               string
	UnencryptedCommentRegex, EncryptedCommentRegex string
	MACOnlyEncrypted                               bool
	// Groups, when set, replaces the recipients: one key group per element, so that the data
	// key is split with Shamir's secret sharing (threshold ShamirThreshold, default all).
	Groups          [][]string
	ShamirThreshold int
}

// Encrypt encrypts plain for the recipients, like `sops --encrypt --age <recipients>
// [--encrypted-regex <regex>]`. An empty encryptedRegex encrypts every value (except those
// under keys ending in "_unencrypted", as with the CLI).
func Encrypt(t testing.TB, plain []byte, f Format, encryptedRegex string, recipients ...string) []byte {
	t.Helper()
	return EncryptWith(t, plain, f, Options{EncryptedRegex: encryptedRegex}, recipients...)
}

// EncryptWith encrypts plain for the recipients with the given options.
func EncryptWith(t testing.TB, plain []byte, f Format, o Options, recipients ...string) []byte {
	t.Helper()
	s := storeFor(f)
	branches, err := s.LoadPlainFile(plain)
	if err != nil {
		t.Fatalf("loading plain %v document: %v", f, err)
	}
	groups := o.Groups
	if groups == nil {
		groups = [][]string{recipients}
	}
	var keyGroups []sops.KeyGroup
	for _, g := range groups {
		var group sops.KeyGroup
		for _, r := range g {
			mk, err := sopsage.MasterKeyFromRecipient(r)
			if err != nil {
				t.Fatal(err)
			}
			group = append(group, mk)
		}
		keyGroups = append(keyGroups, group)
	}
	if o.UnencryptedSuffix+o.EncryptedSuffix+o.UnencryptedRegex+o.EncryptedRegex+
		o.UnencryptedCommentRegex+o.EncryptedCommentRegex == "" {
		o.UnencryptedSuffix = sops.DefaultUnencryptedSuffix
	}
	tree := sops.Tree{Branches: branches, Metadata: sops.Metadata{
		KeyGroups: keyGroups, ShamirThreshold: o.ShamirThreshold, Version: "3.13.3",
		UnencryptedSuffix: o.UnencryptedSuffix, EncryptedSuffix: o.EncryptedSuffix,
		UnencryptedRegex: o.UnencryptedRegex, EncryptedRegex: o.EncryptedRegex,
		UnencryptedCommentRegex: o.UnencryptedCommentRegex, EncryptedCommentRegex: o.EncryptedCommentRegex,
		MACOnlyEncrypted: o.MACOnlyEncrypted,
	}}
	dataKey, errs := tree.GenerateDataKeyWithKeyServices([]keyservice.KeyServiceClient{keyservice.NewLocalClient()})
	if len(errs) > 0 {
		t.Fatalf("generating the data key: %v", errs)
	}
	cipher := aes.NewCipher()
	mac, err := tree.Encrypt(dataKey, cipher)
	if err != nil {
		t.Fatal(err)
	}
	tree.Metadata.LastModified = time.Now().UTC()
	if tree.Metadata.MessageAuthenticationCode, err = cipher.Encrypt(mac, dataKey, tree.Metadata.LastModified.Format(time.RFC3339)); err != nil {
		t.Fatal(err)
	}
	out, err := s.EmitEncryptedFile(tree)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
