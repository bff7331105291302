package decrypt

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// parseJSON reads a JSON object into a branch, keeping key order. Numbers become int when
// they are integers that fit in 64 bits and float64 otherwise, as in SOPS.
func parseJSON(data []byte) (branch, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	p := jsonParser{dec: dec, budget: maxNodes}
	t, err := dec.Token()
	if err != nil {
		return nil, jsonError(err)
	}
	if d, ok := t.(json.Delim); !ok || d != '{' {
		return nil, errors.New("the JSON document is not an object")
	}
	return p.object(0)
}

type jsonParser struct {
	dec    *json.Decoder
	budget int
}

func jsonError(err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("invalid JSON at offset %d", se.Offset)
	}
	return errors.New("invalid JSON")
}

// object reads the members of an object whose '{' was consumed.
func (p *jsonParser) object(depth int) (branch, error) {
	b := branch{}
	for {
		t, err := p.dec.Token()
		if err != nil {
			return nil, jsonError(err)
		}
		if d, ok := t.(json.Delim); ok && d == '}' {
			return b, nil
		}
		key, ok := t.(string)
		if !ok {
			return nil, errors.New("invalid JSON: expected an object key")
		}
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		b = append(b, item{key: key, value: v})
	}
}

func (p *jsonParser) value(depth int) (any, error) {
	p.budget--
	if p.budget < 0 || depth > maxDepth {
		return nil, errTooBig
	}
	t, err := p.dec.Token()
	if err != nil {
		return nil, jsonError(err)
	}
	switch t := t.(type) {
	case json.Delim:
		switch t {
		case '{':
			return p.object(depth)
		case '[':
			l := []any{}
			for p.dec.More() {
				v, err := p.value(depth + 1)
				if err != nil {
					return nil, err
				}
				l = append(l, v)
			}
			if _, err := p.dec.Token(); err != nil { // the closing ']'
				return nil, jsonError(err)
			}
			return l, nil
		default:
			return nil, errors.New("invalid JSON")
		}
	case json.Number:
		if i, err := t.Int64(); err == nil {
			return int(i), nil
		}
		f, err := t.Float64()
		if err != nil {
			return nil, errors.New("invalid JSON: a number is out of range")
		}
		return f, nil
	default:
		return t, nil // string, bool or nil
	}
}

// emitJSON writes a branch as an indented JSON object, in key order.
func emitJSON(b branch) ([]byte, error) {
	var buf bytes.Buffer
	if err := writeJSON(&buf, b); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := json.Indent(&out, buf.Bytes(), "", "  "); err != nil {
		return nil, err
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

func writeJSON(buf *bytes.Buffer, v any) error {
	switch v := v.(type) {
	case branch:
		buf.WriteByte('{')
		for i, it := range v {
			if i > 0 {
				buf.WriteByte(',')
			}
			k, _ := json.Marshal(it.key)
			buf.Write(k)
			buf.WriteByte(':')
			if err := writeJSON(buf, it.value); err != nil {
				return err
			}
		}
		buf.WriteByte('}')
	case []any:
		buf.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := writeJSON(buf, e); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
	case []byte:
		return writeJSON(buf, string(v))
	default:
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		buf.Write(b)
	}
	return nil
}
