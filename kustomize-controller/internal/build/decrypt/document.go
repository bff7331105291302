package decrypt

import (
	"errors"
	"fmt"
)

// load parses a document of format f and separates its SOPS metadata. It returns
// ErrNotEncrypted when there is no metadata.
func load(data []byte, f Format) (*document, error) {
	var (
		bs   []branch
		meta map[string]any
		err  error
	)
	switch f {
	case YAML:
		if bs, err = parseYAML(data); err != nil {
			return nil, err
		}
		bs, meta, err = nestedMetadata(bs)
	case Dotenv:
		var b branch
		if b, err = parseDotenv(data); err != nil {
			return nil, err
		}
		b, meta, err = dotenvMetadata(b)
		bs = []branch{b}
	case INI:
		var b branch
		if b, err = parseINI(data); err != nil {
			return nil, err
		}
		b, meta, err = iniMetadata(b)
		bs = []branch{b}
	default: // JSON, and binary files, which SOPS stores as JSON
		var b branch
		if b, err = parseJSON(data); err != nil {
			return nil, err
		}
		bs, meta, err = nestedMetadata([]branch{b})
	}
	if err != nil {
		return nil, err
	}
	md, err := parseMetadata(meta)
	if err != nil {
		return nil, err
	}
	return &document{branches: bs, meta: md}, nil
}

// nestedMetadata takes the "sops" mapping of the first document as metadata and drops "sops"
// keys from the other documents, as SOPS does.
func nestedMetadata(bs []branch) ([]branch, map[string]any, error) {
	if len(bs) == 0 {
		return nil, nil, ErrNotEncrypted
	}
	first, sops, err := takeSops(bs[0])
	if err != nil {
		return nil, nil, err
	}
	bs[0] = first
	for i := 1; i < len(bs); i++ {
		bs[i] = dropKey(bs[i], "sops")
	}
	if _, ok := sops.(branch); !ok {
		return nil, nil, errMeta("the sops entry is not a mapping")
	}
	m, _ := toPlain(sops)
	return bs, m.(map[string]any), nil
}

// takeSops removes the "sops" entry from b and returns it. There must be exactly one.
func takeSops(b branch) (branch, any, error) {
	var (
		sops  any
		found bool
	)
	for _, it := range b {
		if it.key != "sops" {
			continue
		}
		if found {
			return nil, nil, errMeta("the sops entry appears twice")
		}
		sops, found = it.value, true
	}
	if !found {
		return nil, nil, ErrNotEncrypted
	}
	return dropKey(b, "sops"), sops, nil
}

func dropKey(b branch, key string) branch {
	out := b[:0:0]
	for _, it := range b {
		if it.key != key {
			out = append(out, it)
		}
	}
	return out
}

// emit writes the decrypted document in its own format; a binary document is the content of
// its "data" value.
func emit(doc *document, f Format) ([]byte, error) {
	switch f {
	case YAML:
		return emitYAML(doc.branches)
	case JSON:
		return emitJSON(doc.branches[0])
	case Dotenv:
		return emitDotenv(doc.branches[0])
	case INI:
		return emitINI(doc.branches[0])
	default:
		for _, it := range doc.branches[0] {
			if it.key != "data" {
				continue
			}
			switch v := it.value.(type) {
			case string:
				return []byte(v), nil
			case []byte:
				return v, nil
			}
			return nil, errors.New("the binary document's data is not a string")
		}
		return nil, fmt.Errorf("the binary document has no data")
	}
}
