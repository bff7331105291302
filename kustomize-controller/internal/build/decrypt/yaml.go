package decrypt

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// maxNodes bounds the values of a YAML document after alias expansion: a few anchors can
// otherwise expand into billions of values ("billion laughs").
const maxNodes = 1 << 20

// maxDepth bounds nesting, so that the recursive walks stay shallow.
const maxDepth = 1000

var errTooBig = errors.New("too many or too deeply nested values")

// yamlLine extracts the position from a YAML library error, whose text may quote the input.
var yamlLine = regexp.MustCompile(`line \d+`)

func yamlError(err error) error {
	if l := yamlLine.FindString(err.Error()); l != "" {
		return fmt.Errorf("invalid YAML (%s)", l)
	}
	return errors.New("invalid YAML")
}

// parseYAML reads every document of a YAML stream into branches, with scalars typed by the
// YAML library exactly as SOPS types them (the MAC depends on it).
func parseYAML(data []byte) ([]branch, error) {
	// SOPS requires the first document to be a mapping; decoding it as one also applies the
	// library's checks (duplicate keys) that node decoding skips.
	if len(data) > 0 {
		if err := yaml.NewDecoder(bytes.NewReader(data)).Decode(make(map[string]any)); err != nil && err != io.EOF {
			return nil, yamlError(err)
		}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var out []branch
	budget := maxNodes
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, yamlError(err)
		}
		b, err := yamlDocument(&doc, &budget)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
}

func yamlDocument(doc *yaml.Node, budget *int) (branch, error) {
	if len(doc.Content) == 0 {
		return branch{}, nil
	}
	n := doc.Content[0]
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	switch {
	case n.Kind == yaml.MappingNode:
		return yamlMapping(n, budget, 0)
	case n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null":
		return branch{}, nil
	default:
		return nil, errors.New("a YAML document is not a mapping")
	}
}

func yamlMapping(n *yaml.Node, budget *int, depth int) (branch, error) {
	b := make(branch, 0, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		var k any
		if err := n.Content[i].Decode(&k); err != nil {
			return nil, yamlError(err)
		}
		key, ok := k.(string)
		if !ok {
			return nil, errors.New("a YAML mapping has a key that is not a string")
		}
		v, err := yamlValue(n.Content[i+1], budget, depth+1)
		if err != nil {
			return nil, err
		}
		b = append(b, item{key: key, value: v})
	}
	return b, nil
}

func yamlValue(n *yaml.Node, budget *int, depth int) (any, error) {
	*budget--
	if *budget < 0 || depth > maxDepth {
		return nil, errTooBig
	}
	switch n.Kind {
	case yaml.MappingNode:
		return yamlMapping(n, budget, depth)
	case yaml.SequenceNode:
		l := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := yamlValue(c, budget, depth+1)
			if err != nil {
				return nil, err
			}
			l = append(l, v)
		}
		return l, nil
	case yaml.ScalarNode:
		var v any
		if err := n.Decode(&v); err != nil {
			return nil, yamlError(err)
		}
		return scalar(v)
	case yaml.AliasNode:
		if n.Alias == nil {
			return nil, errors.New("a YAML alias has no anchor")
		}
		return yamlValue(n.Alias, budget, depth+1)
	default:
		return nil, nil
	}
}

// scalar keeps the scalar types SOPS can walk; others (integers beyond int64) cannot be in a
// SOPS document.
func scalar(v any) (any, error) {
	switch v := v.(type) {
	case nil, string, int, float64, bool, time.Time:
		return v, nil
	case []byte:
		return string(v), nil
	default:
		return nil, fmt.Errorf("unsupported %T value", v)
	}
}

// emitYAML writes the branches as a YAML stream, one document per branch.
func emitYAML(bs []branch) ([]byte, error) {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(4) // as sops writes
	for _, b := range bs {
		n, err := yamlNode(b)
		if err != nil {
			return nil, err
		}
		if err := enc.Encode(&yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{n}}); err != nil {
			return nil, err
		}
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func yamlNode(v any) (*yaml.Node, error) {
	switch v := v.(type) {
	case branch:
		n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		for _, it := range v {
			k := &yaml.Node{}
			if err := k.Encode(it.key); err != nil {
				return nil, err
			}
			val, err := yamlNode(it.value)
			if err != nil {
				return nil, err
			}
			n.Content = append(n.Content, k, val)
		}
		return n, nil
	case []any:
		n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		for _, e := range v {
			c, err := yamlNode(e)
			if err != nil {
				return nil, err
			}
			n.Content = append(n.Content, c)
		}
		return n, nil
	case []byte:
		return yamlNode(string(v))
	default:
		n := &yaml.Node{}
		if err := n.Encode(v); err != nil {
			return nil, err
		}
		if _, ok := v.(float64); ok && !strings.ContainsAny(n.Value, ".eEnN") {
			// The encoder writes 3.0 as "3", which reads back as an integer.
			n.Value, n.Tag = n.Value+".0", "!!float"
		}
		return n, nil
	}
}
