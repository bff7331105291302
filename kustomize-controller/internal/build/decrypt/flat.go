package decrypt

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/ini.v1"
)

// dotenv and INI files are flat, so SOPS flattens its metadata into them: nested keys are
// joined with "__map_" and list positions with "__list_<n>", e.g.
// sops_age__list_0__map_recipient. In dotenv files every metadata key has the prefix "sops_";
// in INI files they live in a [sops] section.
const (
	mapSep  = "__map_"
	listSep = "__list_"
)

// parseDotenv reads KEY=VALUE lines; "\n" in a value stands for a newline. Comment lines
// (starting with '#') and empty lines are skipped.
func parseDotenv(data []byte) (branch, error) {
	var b branch
	for i, line := range bytes.Split(data, []byte("\n")) {
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		k, v, ok := bytes.Cut(line, []byte("="))
		if !ok {
			return nil, fmt.Errorf("line %d is not KEY=VALUE", i+1)
		}
		b = append(b, item{key: string(k), value: strings.ReplaceAll(string(v), `\n`, "\n")})
	}
	return b, nil
}

// dotenvMetadata moves the sops_* entries out of b into a metadata mapping.
func dotenvMetadata(b branch) (branch, map[string]any, error) {
	var data, meta branch
	for _, it := range b {
		if k, ok := strings.CutPrefix(it.key, "sops_"); ok {
			meta = append(meta, item{key: k, value: it.value})
			continue
		}
		data = append(data, it)
	}
	if meta == nil {
		return nil, nil, ErrNotEncrypted
	}
	m, err := unflatten(meta)
	return data, m, err
}

func emitDotenv(b branch) ([]byte, error) {
	var buf bytes.Buffer
	for _, it := range b {
		s, err := flatString(it.value)
		if err != nil {
			return nil, err
		}
		buf.WriteString(it.key + "=" + strings.ReplaceAll(s, "\n", `\n`) + "\n")
	}
	return buf.Bytes(), nil
}

// flatString spells a scalar in a flat file the way SOPS does.
func flatString(v any) (string, error) {
	switch v := v.(type) {
	case string:
		return v, nil
	case []byte:
		return string(v), nil
	case float64:
		s := strconv.FormatFloat(v, 'G', -1, 64)
		if !strings.ContainsAny(s, ".E") {
			s = strconv.FormatFloat(v, 'f', 1, 64)
		}
		return s, nil
	case time.Time:
		return v.Format(time.RFC3339), nil
	case nil, branch, []any:
		return "", errors.New("a flat file cannot hold a nested value")
	default:
		return fmt.Sprint(v), nil
	}
}

// iniOptions are the options SOPS reads and writes INI files with; the library decides
// quoting, continuation lines and inline comments for both.
var iniOptions = ini.LoadOptions{AllowNonUniqueSections: true}

// parseINI reads sections into a branch of branches: [section] key = value. The library's
// DEFAULT section comes first, as in SOPS.
func parseINI(data []byte) (branch, error) {
	f, err := ini.LoadSources(iniOptions, data)
	if err != nil {
		return nil, errors.New("invalid INI")
	}
	var b branch
	for _, s := range f.Sections() {
		sec := branch{}
		for _, k := range s.Keys() {
			sec = append(sec, item{key: k.Name(), value: k.Value()})
		}
		b = append(b, item{key: s.Name(), value: sec})
	}
	return b, nil
}

// iniMetadata moves the [sops] section out of b into a metadata mapping. Its values escape
// newlines as "\n".
func iniMetadata(b branch) (branch, map[string]any, error) {
	data, sec, err := takeSops(b)
	if err != nil {
		return nil, nil, err
	}
	s, ok := sec.(branch)
	if !ok {
		return nil, nil, errMeta("the sops section is not a section")
	}
	flat := make(branch, 0, len(s))
	for _, it := range s {
		if v, ok := it.value.(string); ok {
			it.value = strings.ReplaceAll(v, `\n`, "\n")
		}
		flat = append(flat, it)
	}
	m, err := unflatten(flat)
	return data, m, err
}

func emitINI(b branch) ([]byte, error) {
	f := ini.Empty(iniOptions)
	f.DeleteSection(ini.DefaultSection)
	for _, it := range b {
		sec, err := f.NewSection(it.key)
		if err != nil {
			return nil, err
		}
		keys, ok := it.value.(branch)
		if !ok {
			return nil, errors.New("an INI value is outside a section")
		}
		for _, k := range keys {
			s, err := flatString(k.value)
			if err != nil {
				return nil, err
			}
			if _, err := sec.NewKey(k.key, s); err != nil {
				return nil, err
			}
		}
	}
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// maxFlatDepth bounds the nesting of flattened metadata keys (SOPS needs four levels).
const maxFlatDepth = 16

// flatNode collects flattened keys into a tree before it becomes maps and lists.
type flatNode struct {
	value    any
	hasValue bool
	keys     map[string]*flatNode
	indices  map[int]*flatNode
}

// unflatten turns flattened metadata keys back into nested maps and lists.
func unflatten(b branch) (map[string]any, error) {
	root := &flatNode{}
	for _, it := range b {
		n := root
		toks := splitFlat(it.key)
		if len(toks) > maxFlatDepth {
			return nil, errMeta("key '%s' is nested too deeply", it.key)
		}
		for _, tok := range toks {
			n = n.child(tok)
			if n == nil {
				return nil, errMeta("key '%s' mixes a list and a mapping", it.key)
			}
		}
		n.value, n.hasValue = it.value, true
	}
	v, err := root.build()
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, errMeta("unexpected layout")
	}
	return m, nil
}

// flatToken is a map key, or a list position when isIndex.
type flatToken struct {
	key     string
	index   int
	isIndex bool
}

// splitFlat splits "age__list_0__map_enc" into age, [0], enc.
func splitFlat(key string) []flatToken {
	var toks []flatToken
	rest, isIndex := key, false
	for {
		next, sep := len(rest), ""
		if i := strings.Index(rest, mapSep); i >= 0 {
			next, sep = i, mapSep
		}
		if i := strings.Index(rest, listSep); i >= 0 && i < next {
			next, sep = i, listSep
		}
		part := rest[:next]
		if isIndex {
			n, _ := strconv.Atoi(part)
			toks = append(toks, flatToken{index: n, isIndex: true})
		} else {
			toks = append(toks, flatToken{key: part})
		}
		if sep == "" {
			return toks
		}
		rest, isIndex = rest[next+len(sep):], sep == listSep
	}
}

func (n *flatNode) child(t flatToken) *flatNode {
	if t.isIndex {
		if n.keys != nil {
			return nil
		}
		if n.indices == nil {
			n.indices = map[int]*flatNode{}
		}
		if n.indices[t.index] == nil {
			n.indices[t.index] = &flatNode{}
		}
		return n.indices[t.index]
	}
	if n.indices != nil {
		return nil
	}
	if n.keys == nil {
		n.keys = map[string]*flatNode{}
	}
	if n.keys[t.key] == nil {
		n.keys[t.key] = &flatNode{}
	}
	return n.keys[t.key]
}

func (n *flatNode) build() (any, error) {
	switch {
	case n.hasValue && (n.keys != nil || n.indices != nil):
		return nil, errMeta("a key is both a value and a container")
	case n.hasValue:
		return n.value, nil
	case n.indices != nil:
		l := make([]any, len(n.indices))
		idx := make([]int, 0, len(n.indices))
		for i := range n.indices {
			idx = append(idx, i)
		}
		sort.Ints(idx)
		for pos, i := range idx {
			if i != pos {
				return nil, errMeta("a list has gaps")
			}
			v, err := n.indices[i].build()
			if err != nil {
				return nil, err
			}
			l[pos] = v
		}
		return l, nil
	default:
		m := make(map[string]any, len(n.keys))
		for k, c := range n.keys {
			v, err := c.build()
			if err != nil {
				return nil, err
			}
			m[k] = v
		}
		return m, nil
	}
}
