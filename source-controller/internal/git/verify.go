package git

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Keys are the trusted public keys of a verification Secret.
type Keys struct {
	// PGP are armored OpenPGP key rings (Secret keys ending in .asc), in key order.
	PGP []string
	// SSH counts the SSH public keys (keys ending in .sshpub), which the Git library in use
	// cannot check yet.
	SSH int
}

// KeysFromSecret collects the trusted keys from a Secret's data.
func KeysFromSecret(data map[string][]byte) Keys {
	names := make([]string, 0, len(data))
	for k := range data {
		names = append(names, k)
	}
	sort.Strings(names)
	var keys Keys
	for _, k := range names {
		switch {
		case strings.HasSuffix(k, ".asc"):
			keys.PGP = append(keys.PGP, string(data[k]))
		case strings.HasSuffix(k, ".sshpub"):
			keys.SSH++
		}
	}
	return keys
}

// ErrNoKeys means the verification Secret holds no usable key.
var ErrNoKeys = errors.New("no OpenPGP keys ('*.asc') found in the verification Secret")

// ErrSSHUnsupported means the Secret only holds SSH keys, which cannot be checked yet.
var ErrSSHUnsupported = errors.New("SSH signature verification ('*.sshpub' keys) is not supported yet; add OpenPGP keys ('*.asc')")

// VerifyCommit checks the signature of c against the keys and returns the ID of the key that
// signed it.
func VerifyCommit(c *Commit, keys Keys) (string, error) {
	if err := keys.usable(); err != nil {
		return "", err
	}
	if c.Signature == "" {
		return "", fmt.Errorf("commit '%s' is not signed", c.Hash)
	}
	id, err := c.Verify(keys.PGP...)
	if err != nil {
		return "", fmt.Errorf("signature of commit '%s' is not trusted: %w", c.Hash, err)
	}
	return id, nil
}

// VerifyTag checks the signature of the annotated tag c was checked out from.
func VerifyTag(c *Commit, keys Keys) (string, error) {
	if err := keys.usable(); err != nil {
		return "", err
	}
	t := c.ReferencingTag
	if t == nil {
		return "", errors.New("cannot verify a tag: spec.ref does not select a tag")
	}
	if t.Signature == "" {
		return "", fmt.Errorf("tag '%s' is not signed (or not annotated)", t.Name)
	}
	id, err := t.Verify(keys.PGP...)
	if err != nil {
		return "", fmt.Errorf("signature of tag '%s' is not trusted: %w", t.Name, err)
	}
	return id, nil
}

func (k Keys) usable() error {
	if len(k.PGP) > 0 {
		return nil
	}
	if k.SSH > 0 {
		return ErrSSHUnsupported
	}
	return ErrNoKeys
}
