package decrypt

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"filippo.io/age"
	"filippo.io/age/armor"
	corev1 "k8s.io/api/core/v1"
)

// AgeKeySuffix marks the entries of a decryption Secret that hold age identities, as in Flux.
const AgeKeySuffix = ".agekey"

// AgeKeysFromSecret returns the age identities of a decryption Secret: the values of the entries
// whose key ends in ".agekey", ordered by key so that the result is deterministic. Entries for
// other SOPS key types (PGP, KMS, Vault) are ignored: only age is supported.
func AgeKeysFromSecret(secret *corev1.Secret) []string {
	names := make([]string, 0, len(secret.Data))
	for name := range secret.Data {
		if strings.HasSuffix(name, AgeKeySuffix) {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	keys := make([]string, 0, len(names))
	for _, name := range names {
		keys = append(keys, string(secret.Data[name]))
	}
	return keys
}

// parseIdentities parses age identity files: one identity per line, "#" comments and empty
// lines allowed. X25519 ("AGE-SECRET-KEY-1") and post-quantum hybrid ("AGE-SECRET-KEY-PQ-1")
// identities are accepted; plugin identities are not (they would run programs). The error
// names the position of the bad entry, never its content.
func parseIdentities(keys []string) ([]age.Identity, error) {
	var ids []age.Identity
	for i, k := range keys {
		bad := fmt.Errorf("age key %d of %d is not a valid age identity", i+1, len(keys))
		sc := bufio.NewScanner(strings.NewReader(k))
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			var (
				id  age.Identity
				err error
			)
			switch {
			case strings.HasPrefix(line, "AGE-SECRET-KEY-PQ-1"):
				id, err = age.ParseHybridIdentity(line)
			case strings.HasPrefix(line, "AGE-SECRET-KEY-1"):
				id, err = age.ParseX25519Identity(line)
			default:
				err = errors.New("unknown identity type")
			}
			if err != nil {
				return nil, bad
			}
			ids = append(ids, id)
		}
		if sc.Err() != nil {
			return nil, bad
		}
	}
	return ids, nil
}

// maxDataKey bounds what is read from an age file: a SOPS data key is 32 bytes.
const maxDataKey = 64

// dataKey recovers the document's data key from its age entries with the configured
// identities. Only one key group is supported: several groups mean the key is split with
// Shamir's secret sharing.
func (d *Decryptor) dataKey(m *metadata) ([]byte, error) {
	if len(m.groups) > 1 {
		return nil, fmt.Errorf("cannot decrypt the SOPS data key: it is split across %d key groups (Shamir secret sharing), which is not supported; %s",
			len(m.groups), recipientsMessage(m))
	}
	if len(m.groups) == 1 {
		for _, e := range m.groups[0].age {
			if key, err := d.openAge(e.enc); err == nil {
				return key, nil
			}
		}
	}
	return nil, fmt.Errorf("cannot decrypt the SOPS data key: %s", noKeyMessage(m))
}

// openAge decrypts one armored age file holding a data key.
func (d *Decryptor) openAge(enc string) ([]byte, error) {
	r, err := age.Decrypt(armor.NewReader(strings.NewReader(enc)), d.ids...)
	if err != nil {
		return nil, err
	}
	key, err := io.ReadAll(io.LimitReader(r, maxDataKey+1))
	if err != nil {
		return nil, err
	}
	switch len(key) {
	case 16, 24, 32: // AES key sizes; SOPS always writes 32
		return key, nil
	default:
		return nil, errors.New("the data key has an invalid size")
	}
}

// noKeyMessage explains which recipients the document is encrypted for, so that the user can
// tell which key is missing. Recipients are public keys; nothing secret is included.
func noKeyMessage(m *metadata) string {
	msg := "none of the configured age keys matches"
	if r := recipients(m); len(r) > 0 {
		msg += " the recipients " + strings.Join(r, ", ")
	} else {
		msg += " (the document has no age recipients)"
	}
	if n := otherKeys(m); n > 0 {
		msg += fmt.Sprintf("; %d non-age key(s) (PGP, KMS, Vault) are not supported", n)
	}
	return msg
}

// recipientsMessage lists the age recipients and counts the other keys, for the Shamir case.
func recipientsMessage(m *metadata) string {
	msg := "age recipients: none"
	if r := recipients(m); len(r) > 0 {
		msg = "age recipients: " + strings.Join(r, ", ")
	}
	if n := otherKeys(m); n > 0 {
		msg += fmt.Sprintf("; %d non-age key(s) (PGP, KMS, Vault) are not supported", n)
	}
	return msg
}

func recipients(m *metadata) []string {
	var r []string
	for _, g := range m.groups {
		for _, e := range g.age {
			r = append(r, e.recipient)
		}
	}
	return r
}

func otherKeys(m *metadata) int {
	n := 0
	for _, g := range m.groups {
		n += g.others
	}
	return n
}
