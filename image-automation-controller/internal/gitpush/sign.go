package gitpush

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/ProtonMail/go-crypto/openpgp"
)

// Keys of a signing key Secret of type gpg.
const (
	SigningKeyDataKey  = "git.asc"
	SigningPassDataKey = "passphrase"
)

// OpenPGPSigner reads an ASCII-armored private key ring from the data of a signing key Secret
// and returns its first key, decrypted with the passphrase when it is protected. Errors never
// include key material.
func OpenPGPSigner(data map[string][]byte) (*openpgp.Entity, error) {
	armored, ok := data[SigningKeyDataKey]
	if !ok || len(armored) == 0 {
		return nil, fmt.Errorf("the signing key Secret has no '%s' key", SigningKeyDataKey)
	}
	ring, err := openpgp.ReadArmoredKeyRing(bytes.NewReader(armored))
	if err != nil {
		return nil, fmt.Errorf("'%s' is not an ASCII-armored OpenPGP key ring: %w", SigningKeyDataKey, err)
	}
	if len(ring) == 0 || ring[0].PrivateKey == nil {
		return nil, fmt.Errorf("'%s' holds no private key", SigningKeyDataKey)
	}
	entity := ring[0]
	passphrase := data[SigningPassDataKey]
	if entity.PrivateKey.Encrypted {
		if len(passphrase) == 0 {
			return nil, errors.New("the signing key is protected but the Secret has no 'passphrase'")
		}
		if err := entity.DecryptPrivateKeys(passphrase); err != nil {
			return nil, errors.New("cannot decrypt the signing key with the given passphrase")
		}
	}
	return entity, nil
}
