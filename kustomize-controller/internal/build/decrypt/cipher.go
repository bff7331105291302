package decrypt

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"
)

// A SOPS value is encrypted as
//
//	ENC[AES256_GCM,data:<base64>,iv:<base64>,tag:<base64>,type:<type>]
//
// with AES-256-GCM, the data key, and the value's path as additional data. The type says how
// the plaintext bytes turn back into a typed value.
const (
	encPrefix = "ENC[AES256_GCM,"
	gcmTagLen = 16
)

// errBadValue is deliberately vague: the caller adds the path, and nothing about the
// ciphertext or plaintext may reach a message.
var errBadValue = errors.New("malformed encrypted value")

// encValue is a parsed ENC[...] string.
type encValue struct {
	data, iv, tag []byte
	typ           string
}

// parseEnc splits an ENC[...] string into its fields. The fields come in a fixed order and
// base64 never contains a comma, so a plain split is exact.
func parseEnc(s string) (encValue, error) {
	body, ok := strings.CutPrefix(s, encPrefix)
	if !ok {
		return encValue{}, errBadValue
	}
	end := strings.IndexByte(body, ']')
	if end < 0 {
		return encValue{}, errBadValue
	}
	parts := strings.Split(body[:end], ",")
	if len(parts) != 4 {
		return encValue{}, errBadValue
	}
	var v encValue
	var fields [3][]byte
	for i, name := range []string{"data:", "iv:", "tag:"} {
		b64, ok := strings.CutPrefix(parts[i], name)
		if !ok {
			return encValue{}, errBadValue
		}
		b, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			return encValue{}, errBadValue
		}
		fields[i] = b
	}
	v.data, v.iv, v.tag = fields[0], fields[1], fields[2]
	if v.typ, ok = strings.CutPrefix(parts[3], "type:"); !ok {
		return encValue{}, errBadValue
	}
	if len(v.iv) == 0 || len(v.tag) != gcmTagLen {
		return encValue{}, errBadValue
	}
	return v, nil
}

// openValue decrypts an ENC[...] string and returns the typed value: string, int, float64,
// bool, []byte or time.Time. An empty string is SOPS's encoding of an empty value.
func openValue(s string, key []byte, additionalData string) (any, error) {
	if s == "" {
		return "", nil
	}
	v, err := parseEnc(s)
	if err != nil {
		return nil, err
	}
	plain, err := gcmOpen(key, v, additionalData)
	if err != nil {
		return nil, err
	}
	return typed(plain, v.typ)
}

// gcmOpen authenticates and decrypts one value. SOPS uses a 32-byte nonce, not GCM's usual 12,
// so the AEAD is built for the nonce length found in the value.
func gcmOpen(key []byte, v encValue, additionalData string) ([]byte, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, errBadValue
	}
	gcm, err := cipher.NewGCMWithNonceSize(block, len(v.iv))
	if err != nil {
		return nil, errBadValue
	}
	sealed := make([]byte, 0, len(v.data)+len(v.tag))
	sealed = append(append(sealed, v.data...), v.tag...)
	plain, err := gcm.Open(nil, v.iv, sealed, []byte(additionalData))
	if err != nil {
		return nil, errAuth
	}
	return plain, nil
}

// errAuth means the GCM tag did not verify: wrong data key, moved or modified value.
var errAuth = errors.New("value does not authenticate")

// typed converts decrypted bytes back to the value SOPS encrypted, following the type tag.
func typed(plain []byte, typ string) (any, error) {
	s := string(plain)
	switch typ {
	case "str":
		return s, nil
	case "int":
		n, err := strconv.Atoi(s)
		if err != nil {
			return nil, errBadValue
		}
		return n, nil
	case "float":
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, errBadValue
		}
		return f, nil
	case "bool":
		b, err := strconv.ParseBool(s)
		if err != nil {
			return nil, errBadValue
		}
		return b, nil
	case "bytes":
		return plain, nil
	case "time":
		var t time.Time
		if err := t.UnmarshalText(plain); err != nil {
			return nil, errBadValue
		}
		return t, nil
	case "comment":
		return comment{}, nil
	default:
		return nil, errBadValue
	}
}

// comment is a decrypted comment. SOPS stores the encrypted comments of a YAML list as list
// elements; they are not data, and are dropped from the output (as all comments are).
type comment struct{}

// macBytes is the byte form of a value that SOPS feeds into the MAC. Numbers and booleans
// have their own spelling there (Python-style "True"/"False", floats without exponent), which
// must be reproduced exactly or every MAC would mismatch.
func macBytes(v any) ([]byte, error) {
	switch v := v.(type) {
	case string:
		return []byte(v), nil
	case int:
		return []byte(strconv.Itoa(v)), nil
	case float64:
		return []byte(strconv.FormatFloat(v, 'f', -1, 64)), nil
	case bool:
		if v {
			return []byte("True"), nil
		}
		return []byte("False"), nil
	case []byte:
		return v, nil
	case time.Time:
		return v.MarshalText()
	default:
		return nil, errors.New("unsupported value type")
	}
}
