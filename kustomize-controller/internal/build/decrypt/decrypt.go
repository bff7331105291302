package decrypt

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"filippo.io/age"
)

// Format is the file format of a SOPS document.
type Format int

// The SOPS formats, chosen from a file's extension as the sops CLI does.
const (
	Binary Format = iota
	YAML
	JSON
	Dotenv
	INI
)

// String returns the format's name, as used in error messages.
func (f Format) String() string {
	return [...]string{"binary", "yaml", "json", "dotenv", "ini"}[f]
}

// FormatForPath returns the SOPS format of a file from its extension: .yaml/.yml, .json, .env
// and .ini; any other file is SOPS's binary format (a JSON document with a "data" field).
func FormatForPath(path string) Format {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".yaml", ".yml":
		return YAML
	case ".json":
		return JSON
	case ".env":
		return Dotenv
	case ".ini":
		return INI
	default:
		return Binary
	}
}

// LooksEncrypted is a cheap test for the SOPS metadata marker of a format. It may report true
// for a file that is not encrypted (the store then decides), never false for one that is.
func LooksEncrypted(data []byte, f Format) bool {
	switch f {
	case YAML:
		return bytes.HasPrefix(data, []byte("sops:")) || bytes.Contains(data, []byte("\nsops:"))
	case Dotenv:
		return bytes.Contains(data, []byte("sops_mac="))
	case INI:
		return bytes.Contains(data, []byte("[sops]"))
	default:
		return bytes.Contains(data, []byte(`"sops"`))
	}
}

// Decryptor decrypts SOPS documents with a fixed set of age identities. Decrypt is safe for
// concurrent use; Files and Resource belong to one build.
type Decryptor struct {
	ids []age.Identity
	// failed holds the files Files could not decrypt (relative path -> reason), to explain
	// errors found after the build. Files sets it; a Decryptor serves one build.
	failed map[string]error
}

// New returns a Decryptor for the given age identity files (the values of ".agekey" entries).
// It fails if there is no identity at all or one does not parse; the error never contains key
// material.
func New(keys []string) (*Decryptor, error) {
	ids, err := parseIdentities(keys)
	if err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, errors.New("no age keys: the decryption Secret needs at least one entry ending in '" + AgeKeySuffix + "'")
	}
	return &Decryptor{ids: ids}, nil
}

// ErrNotEncrypted is returned by Decrypt for a document without SOPS metadata.
var ErrNotEncrypted = errors.New("document is not SOPS-encrypted")

// Decrypt returns the plaintext of a SOPS document in the given format, after checking its
// MAC. Errors describe what failed (no matching key, MAC mismatch, malformed document) and never
// include plaintext.
func (d *Decryptor) Decrypt(data []byte, f Format) (out []byte, err error) {
	// The parsers are written not to panic; this is the last line of defence, because a bad
	// file in a repository must never crash the controller.
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("malformed SOPS %s document", f)
		}
	}()
	return d.decrypt(data, f)
}

// decrypt is Decrypt without the recover, so that the fuzz test sees any panic.
func (d *Decryptor) decrypt(data []byte, f Format) ([]byte, error) {
	doc, err := load(data, f)
	if err != nil {
		if errors.Is(err, ErrNotEncrypted) {
			return nil, ErrNotEncrypted
		}
		var u *unsupportedError
		if errors.As(err, &u) {
			return nil, err
		}
		return nil, fmt.Errorf("malformed SOPS %s document: %w", f, err)
	}
	key, err := d.dataKey(doc.meta)
	if err != nil {
		return nil, err
	}
	mac, err := decryptTree(doc, key)
	if err != nil {
		var pv *errPathValue
		if errors.As(err, &pv) && errors.Is(err, errAuth) {
			// A value moved to another path or changed: its own tag fails before the MAC.
			return nil, fmt.Errorf("%w (the value at '%s' does not authenticate)", errMACMismatch, strings.Join(pv.path, "."))
		}
		return nil, fmt.Errorf("cannot decrypt the SOPS values: the document is corrupted (%w)", err)
	}
	if err := checkMAC(doc.meta, key, mac); err != nil {
		return nil, err
	}
	out, err := emit(doc, f)
	if err != nil {
		return nil, fmt.Errorf("cannot format the decrypted %s document", f)
	}
	return out, nil
}
