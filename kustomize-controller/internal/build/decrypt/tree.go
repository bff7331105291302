package decrypt

import (
	"crypto/sha512"
	"crypto/subtle"
	"errors"
	"fmt"
	"hash"
	"regexp"
	"strings"
	"time"
)

// The document model shared by every format: an ordered mapping (the MAC covers the order of
// keys, so Go maps will not do), lists, and scalars (string, int, float64, bool, nil,
// time.Time; []byte after decryption of a "bytes" value). Comments are not part of it: they
// are dropped when a document is read (see doc.go).
type (
	branch []item
	item   struct {
		key   string
		value any
	}
)

// document is a parsed SOPS file: its data (one branch per YAML document) and its metadata.
type document struct {
	branches []branch
	meta     *metadata
}

// rules decides which values are encrypted, from the metadata's *_suffix/*_regex options.
// SOPS allows at most one of them per file; without any, "_unencrypted" is the unencrypted
// suffix.
type rules struct {
	unencryptedSuffix, encryptedSuffix string
	unencryptedRegex, encryptedRegex   *regexp.Regexp
	// encryptedRegexSet is true when encrypted_regex is set, even to an invalid expression:
	// SOPS then encrypts nothing (an invalid regex never matches).
	encryptedRegexSet bool
}

// compileRule compiles a user regex; an invalid one never matches, as in SOPS (it ignores the
// compile error when matching).
func compileRule(expr string) *regexp.Regexp {
	re, err := regexp.Compile(expr)
	if err != nil {
		return nil
	}
	return re
}

// encrypted reports whether the value at path (the map keys from the root; list indices do
// not count) is encrypted.
func (r rules) encrypted(path []string) bool {
	switch {
	case r.unencryptedSuffix != "":
		return !anyKey(path, func(k string) bool { return strings.HasSuffix(k, r.unencryptedSuffix) })
	case r.encryptedSuffix != "":
		return anyKey(path, func(k string) bool { return strings.HasSuffix(k, r.encryptedSuffix) })
	case r.unencryptedRegex != nil:
		return !anyKey(path, r.unencryptedRegex.MatchString)
	case r.encryptedRegexSet:
		return r.encryptedRegex != nil && anyKey(path, r.encryptedRegex.MatchString)
	default:
		return true
	}
}

func anyKey(path []string, match func(string) bool) bool {
	for _, k := range path {
		if match(k) {
			return true
		}
	}
	return false
}

// macOnlyEncryptedSeed starts the MAC of documents with mac_only_encrypted, so that such a MAC
// can never equal the MAC over all values. The bytes are part of the SOPS file format.
var macOnlyEncryptedSeed = []byte{
	0x8a, 0x3f, 0xd2, 0xad, 0x54, 0xce, 0x66, 0x52, 0x7b, 0x10, 0x34, 0xf3, 0xd1, 0x47, 0xbe, 0x0b,
	0x0b, 0x97, 0x5b, 0x3b, 0xf4, 0x4f, 0x72, 0xc6, 0xfd, 0xad, 0xec, 0x81, 0x76, 0xf2, 0x7d, 0x69,
}

// decrypter walks a document in order, decrypting the encrypted values in place and hashing
// the plaintext of the values the MAC covers.
type decrypter struct {
	key     []byte
	rules   rules
	macOnly bool
	mac     hash.Hash
}

// errPathValue wraps a failure at one value; the message names the path (keys are in the
// clear in the document) but never the value.
type errPathValue struct {
	path []string
	err  error
}

func (e *errPathValue) Error() string {
	return fmt.Sprintf("value at '%s': %v", strings.Join(e.path, "."), e.err)
}

func (e *errPathValue) Unwrap() error { return e.err }

// decryptTree decrypts every branch of doc in place and returns the uppercase hex SHA-512 MAC
// of the values, as SOPS computes it.
func decryptTree(doc *document, key []byte) (string, error) {
	d := &decrypter{key: key, rules: doc.meta.rules, macOnly: doc.meta.macOnlyEncrypted, mac: sha512.New()}
	if d.macOnly {
		d.mac.Write(macOnlyEncryptedSeed)
	}
	for i, b := range doc.branches {
		nb, err := d.branch(b, nil)
		if err != nil {
			return "", err
		}
		doc.branches[i] = nb
	}
	return fmt.Sprintf("%X", d.mac.Sum(nil)), nil
}

func (d *decrypter) branch(b branch, path []string) (branch, error) {
	out := b[:0]
	for _, it := range b {
		// A fresh slice per key: the path is kept by errors and must not be overwritten by a
		// sibling.
		p := append(path[:len(path):len(path)], it.key)
		v, err := d.value(it.value, p)
		if err != nil {
			return nil, err
		}
		if _, ok := v.(comment); ok {
			continue
		}
		out = append(out, item{key: it.key, value: v})
	}
	return out, nil
}

// value decrypts one value. List elements share their list's path: SOPS's additional data
// contains map keys only.
func (d *decrypter) value(v any, path []string) (any, error) {
	switch v := v.(type) {
	case branch:
		return d.branch(v, path)
	case []any:
		out := v[:0]
		for _, e := range v {
			nv, err := d.value(e, path)
			if err != nil {
				return nil, err
			}
			if _, ok := nv.(comment); ok {
				continue
			}
			out = append(out, nv)
		}
		return out, nil
	case nil:
		return nil, nil // null is neither encrypted nor part of the MAC
	default:
		return d.leaf(v, path)
	}
}

func (d *decrypter) leaf(v any, path []string) (any, error) {
	enc := d.rules.encrypted(path)
	if enc {
		s, ok := v.(string)
		if !ok {
			return nil, &errPathValue{path, errors.New("expected an encrypted value")}
		}
		plain, err := openValue(s, d.key, strings.Join(path, ":")+":")
		if err != nil {
			return nil, &errPathValue{path, err}
		}
		v = plain
	}
	if _, ok := v.(comment); ok {
		return v, nil // comments are not covered by the MAC
	}
	if enc || !d.macOnly {
		b, err := macBytes(v)
		if err != nil {
			return nil, &errPathValue{path, err}
		}
		d.mac.Write(b)
	}
	return v, nil
}

// checkMAC compares the computed MAC with the one stored in the metadata, which is encrypted
// with the data key and the lastmodified timestamp as additional data (so that neither can be
// changed on its own).
func checkMAC(m *metadata, key []byte, computed string) error {
	stored, err := openValue(m.mac, key, m.lastModified.Format(time.RFC3339))
	s, ok := stored.(string)
	if err != nil || !ok || subtle.ConstantTimeCompare([]byte(s), []byte(computed)) != 1 {
		return errMACMismatch
	}
	return nil
}

var errMACMismatch = errors.New("SOPS MAC mismatch: the document was modified after it was encrypted")
