package decrypt

import (
	"errors"
	"fmt"
	"strconv"
	"time"
)

// metadata is what Eddy needs from a document's "sops" section.
type metadata struct {
	lastModified     time.Time
	mac              string
	rules            rules
	macOnlyEncrypted bool
	// groups holds the key groups; more than one means the data key is split with Shamir's
	// secret sharing, which Eddy refuses.
	groups []keyGroup
}

// keyGroup is one SOPS key group: its age entries, and how many keys of other types (PGP,
// cloud KMS, Vault) it has, only to explain failures.
type keyGroup struct {
	age    []ageEntry
	others int
}

type ageEntry struct {
	recipient string
	enc       string // ASCII-armored age file holding the data key
}

// nonAgeKeyTypes are the other key lists SOPS writes, in a group or at the top level.
var nonAgeKeyTypes = []string{"pgp", "kms", "gcp_kms", "hckms", "azure_kv", "hc_vault"}

// cryptRules are the options choosing which values are encrypted; SOPS allows one per file.
var cryptRules = []string{
	"unencrypted_suffix", "encrypted_suffix", "unencrypted_regex", "encrypted_regex",
	"unencrypted_comment_regex", "encrypted_comment_regex",
}

// errMeta builds a "malformed SOPS metadata" error; details never include values.
func errMeta(format string, args ...any) error {
	return fmt.Errorf("malformed SOPS metadata: "+format, args...)
}

// parseMetadata reads the "sops" section, given as plain Go values (map[string]any, []any,
// scalars). Scalars are converted leniently, as SOPS does ("true" is a bool in dotenv and INI
// files, where everything is a string).
func parseMetadata(m map[string]any) (*metadata, error) {
	md := &metadata{}
	lm, err := weakString(m["lastmodified"])
	if err != nil {
		return nil, errMeta("lastmodified is not a string")
	}
	if md.lastModified, err = time.Parse(time.RFC3339, lm); err != nil {
		return nil, errMeta("lastmodified is not an RFC 3339 timestamp")
	}
	if md.mac, err = weakString(m["mac"]); err != nil {
		return nil, errMeta("mac is not a string")
	}
	if md.macOnlyEncrypted, err = weakBool(m["mac_only_encrypted"]); err != nil {
		return nil, errMeta("mac_only_encrypted is not a boolean")
	}
	if md.rules, err = parseRules(m); err != nil {
		return nil, err
	}
	if md.groups, err = parseGroups(m); err != nil {
		return nil, err
	}
	return md, nil
}

func parseRules(m map[string]any) (rules, error) {
	set := map[string]string{}
	for _, name := range cryptRules {
		v, err := weakString(m[name])
		if err != nil {
			return rules{}, errMeta("%s is not a string", name)
		}
		if v != "" {
			set[name] = v
		}
	}
	if len(set) > 1 {
		return rules{}, errMeta("more than one of %v is set", cryptRules)
	}
	for _, name := range cryptRules[4:] {
		if _, ok := set[name]; ok {
			// These depend on where comments sit in the document, which Eddy does not model.
			return rules{}, &unsupportedError{option: name}
		}
	}
	r := rules{unencryptedSuffix: set["unencrypted_suffix"], encryptedSuffix: set["encrypted_suffix"]}
	if len(set) == 0 {
		r.unencryptedSuffix = "_unencrypted"
	}
	if e, ok := set["unencrypted_regex"]; ok {
		r.unencryptedRegex = compileRule(e) // nil when invalid: then everything is encrypted
	}
	if e, ok := set["encrypted_regex"]; ok {
		r.encryptedRegexSet, r.encryptedRegex = true, compileRule(e)
	}
	return r, nil
}

// parseGroups returns the key groups: the key lists at the top level form one group; if there
// are none, the key_groups list is used.
func parseGroups(m map[string]any) ([]keyGroup, error) {
	top, err := parseGroup(m)
	if err != nil {
		return nil, err
	}
	if len(top.age) > 0 || top.others > 0 {
		return []keyGroup{top}, nil
	}
	list, err := weakList(m["key_groups"])
	if err != nil {
		return nil, errMeta("key_groups is not a list")
	}
	groups := make([]keyGroup, 0, len(list))
	for _, g := range list {
		gm, ok := g.(map[string]any)
		if !ok {
			return nil, errMeta("a key group is not a mapping")
		}
		kg, err := parseGroup(gm)
		if err != nil {
			return nil, err
		}
		groups = append(groups, kg)
	}
	return groups, nil
}

func parseGroup(m map[string]any) (keyGroup, error) {
	var g keyGroup
	ages, err := weakList(m["age"])
	if err != nil {
		return g, errMeta("age is not a list")
	}
	for _, a := range ages {
		am, ok := a.(map[string]any)
		if !ok {
			return g, errMeta("an age entry is not a mapping")
		}
		r, err1 := weakString(am["recipient"])
		e, err2 := weakString(am["enc"])
		if err1 != nil || err2 != nil {
			return g, errMeta("an age entry has a non-string recipient or enc")
		}
		g.age = append(g.age, ageEntry{recipient: r, enc: e})
	}
	for _, name := range nonAgeKeyTypes {
		l, err := weakList(m[name])
		if err != nil {
			return g, errMeta("%s is not a list", name)
		}
		g.others += len(l)
	}
	return g, nil
}

// weakString accepts a string or a scalar that SOPS would turn into one.
func weakString(v any) (string, error) {
	switch v := v.(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	case int:
		return strconv.Itoa(v), nil
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), nil
	case bool:
		if v {
			return "1", nil
		}
		return "0", nil
	default:
		return "", errors.New("not a scalar")
	}
}

// weakBool accepts a bool, or a string or number spelling one.
func weakBool(v any) (bool, error) {
	switch v := v.(type) {
	case nil:
		return false, nil
	case bool:
		return v, nil
	case int:
		return v != 0, nil
	case float64:
		return v != 0, nil
	case string:
		if v == "" {
			return false, nil
		}
		return strconv.ParseBool(v)
	default:
		return false, errors.New("not a boolean")
	}
}

// weakList accepts a list or nothing.
func weakList(v any) ([]any, error) {
	switch v := v.(type) {
	case nil:
		return nil, nil
	case []any:
		return v, nil
	default:
		return nil, errors.New("not a list")
	}
}

// toPlain converts a branch into Go maps and slices, for reading the metadata.
func toPlain(v any) (any, error) {
	switch v := v.(type) {
	case branch:
		m := make(map[string]any, len(v))
		for _, it := range v {
			pv, err := toPlain(it.value)
			if err != nil {
				return nil, err
			}
			m[it.key] = pv
		}
		return m, nil
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			pv, err := toPlain(e)
			if err != nil {
				return nil, err
			}
			out[i] = pv
		}
		return out, nil
	default:
		return v, nil
	}
}

// unsupportedError refuses a document using a SOPS option Eddy does not implement, rather than
// guessing which of its values are encrypted.
type unsupportedError struct{ option string }

func (e *unsupportedError) Error() string {
	return "SOPS option " + e.option + " is not supported"
}
