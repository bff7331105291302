package update

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"unicode/utf8"

	securejoin "github.com/cyphar/filepath-securejoin"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	imagev1 "github.com/eddy-gitops/eddy/api/image/v1"
)

// ErrPathOutsideRepository is returned when update.path escapes the repository.
var ErrPathOutsideRepository = errors.New("update path is outside the repository")

// ResolvePath joins the relative update path to the repository root and makes sure the result
// stays inside it (".." and symlinks cannot escape) and is a directory.
func ResolvePath(root, path string) (string, error) {
	// Reject ".." outright rather than silently clamping it to the root: the user meant
	// something else and should know. Symlinks are resolved inside the root by SecureJoin.
	for _, el := range strings.Split(filepath.ToSlash(path), "/") {
		if el == ".." {
			return "", fmt.Errorf("%w: %q", ErrPathOutsideRepository, path)
		}
	}
	dir, err := securejoin.SecureJoin(root, path)
	if err != nil {
		return "", fmt.Errorf("%w: %q: %v", ErrPathOutsideRepository, path, err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return "", fmt.Errorf("update path %q does not exist in the repository", path)
	}
	if !fi.IsDir() {
		return "", fmt.Errorf("update path %q is not a directory", path)
	}
	return dir, nil
}

// WithSetters rewrites the marked fields of the YAML files under root/path with the given
// policies' latest images and reports what it changed. Files are written in place only when one
// of their fields changed.
func WithSetters(root, path string, policies map[PolicyKey]imagev1.ImageRef) (Result, error) {
	var res Result
	dir, err := ResolvePath(root, path)
	if err != nil {
		return res, err
	}
	unknown := map[string]bool{}
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == ".git" {
				return filepath.SkipDir
			}
			return nil
		}
		// Symlinks are skipped: following them could write outside the update path.
		if !d.Type().IsRegular() || !isYAML(d.Name()) {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		return updateFile(p, filepath.ToSlash(rel), policies, &res, unknown)
	})
	if err != nil {
		return Result{}, err
	}
	for s := range unknown {
		res.UnknownSetters = append(res.UnknownSetters, s)
	}
	sort.Strings(res.UnknownSetters)
	return res, nil
}

func isYAML(name string) bool {
	ext := strings.ToLower(filepath.Ext(name))
	return ext == ".yaml" || ext == ".yml"
}

// edit replaces src[start:end] with text.
type edit struct {
	start, end int
	text       string
}

func updateFile(path, rel string, policies map[PolicyKey]imagev1.ImageRef, res *Result, unknown map[string]bool) error {
	src, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	// The cheap check keeps the cost of a large repository to reading its files.
	if !bytes.Contains(src, []byte(imagev1.ImagePolicySetterMarker)) {
		return nil
	}
	docs, err := parseDocuments(src)
	if err != nil {
		res.Skipped = append(res.Skipped, SkippedFile{Path: rel, Reason: fmt.Sprintf("not valid YAML: %v", err)})
		return nil
	}
	lines := lineOffsets(src)
	var edits []edit
	for _, doc := range docs {
		id := identify(doc)
		visitMarked(doc, func(n *yaml.Node, comment string) {
			m, ok, err := parseMarker(comment)
			if err != nil {
				res.Skipped = append(res.Skipped, SkippedFile{Path: rel, Reason: err.Error()})
				return
			}
			if !ok {
				return
			}
			ref, known := policies[m.policy]
			if !known {
				unknown[m.setter] = true
				return
			}
			newValue, ok := m.value(ref)
			if !ok || newValue == n.Value {
				return
			}
			e, err := spliceScalar(src, lines, n, newValue)
			if err != nil {
				res.Skipped = append(res.Skipped, SkippedFile{Path: rel, Reason: err.Error()})
				return
			}
			edits = append(edits, e)
			res.add(rel, id, Change{OldValue: n.Value, NewValue: newValue, Setter: m.setter})
		})
	}
	if len(edits) == 0 {
		return nil
	}
	return writeEdits(path, src, edits)
}

// parseDocuments reads every YAML document of a stream.
func parseDocuments(src []byte) ([]*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(src))
	var docs []*yaml.Node
	for {
		var n yaml.Node
		if err := dec.Decode(&n); err != nil {
			if errors.Is(err, io.EOF) {
				return docs, nil
			}
			return nil, err
		}
		docs = append(docs, &n)
	}
}

// identify reads apiVersion, kind and metadata name and namespace of a document.
func identify(doc *yaml.Node) ObjectIdentifier {
	var id ObjectIdentifier
	root := doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	if root.Kind != yaml.MappingNode {
		return id
	}
	id.APIVersion = mapScalar(root, "apiVersion")
	id.Kind = mapScalar(root, "kind")
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "metadata" && root.Content[i+1].Kind == yaml.MappingNode {
			id.Name = mapScalar(root.Content[i+1], "name")
			id.Namespace = mapScalar(root.Content[i+1], "namespace")
		}
	}
	return id
}

func mapScalar(m *yaml.Node, key string) string {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key && m.Content[i+1].Kind == yaml.ScalarNode {
			return m.Content[i+1].Value
		}
	}
	return ""
}

// visitMarked calls fn for every scalar value that carries a line comment. In a mapping the
// comment of `key: value # c` may be attached to the key or to the value depending on the
// layout, so both are looked at.
func visitMarked(n *yaml.Node, fn func(value *yaml.Node, comment string)) {
	switch n.Kind {
	case yaml.DocumentNode, yaml.SequenceNode:
		for _, c := range n.Content {
			if c.Kind == yaml.ScalarNode && c.LineComment != "" {
				fn(c, c.LineComment)
				continue
			}
			visitMarked(c, fn)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			key, value := n.Content[i], n.Content[i+1]
			if value.Kind == yaml.ScalarNode {
				switch {
				case value.LineComment != "":
					fn(value, value.LineComment)
				case key.LineComment != "":
					fn(value, key.LineComment)
				}
				continue
			}
			visitMarked(value, fn)
		}
	}
}

// lineOffsets returns the byte offset at which each line starts.
func lineOffsets(src []byte) []int {
	offsets := []int{0}
	for i, b := range src {
		if b == '\n' {
			offsets = append(offsets, i+1)
		}
	}
	return offsets
}

// spliceScalar finds the bytes of scalar n in src and returns the edit that writes value in the
// same quoting style.
func spliceScalar(src []byte, lines []int, n *yaml.Node, value string) (edit, error) {
	if n.Line < 1 || n.Line > len(lines) {
		return edit{}, fmt.Errorf("line %d: scalar position out of range", n.Line)
	}
	lineStart := lines[n.Line-1]
	// The parser counts columns in characters, not bytes.
	start := lineStart
	for col := 1; col < n.Column && start < len(src); col++ {
		_, size := utf8.DecodeRune(src[start:])
		start += size
	}
	var raw, text string
	switch n.Style {
	case 0, yaml.TaggedStyle:
		raw, text = n.Value, value
	case yaml.DoubleQuotedStyle:
		raw, text = `"`+n.Value+`"`, `"`+value+`"`
	case yaml.SingleQuotedStyle:
		raw, text = `'`+n.Value+`'`, `'`+value+`'`
	default:
		return edit{}, fmt.Errorf("line %d: block scalars cannot be updated by a setter", n.Line)
	}
	if !bytes.HasPrefix(src[start:], []byte(raw)) || strings.ContainsAny(value, "\n\"'#") {
		return edit{}, fmt.Errorf("line %d: the marked value cannot be rewritten in place (escapes or line breaks)", n.Line)
	}
	return edit{start: start, end: start + len(raw), text: text}, nil
}

// writeEdits applies non-overlapping edits to src and replaces the file, keeping its mode.
func writeEdits(path string, src []byte, edits []edit) error {
	sort.Slice(edits, func(i, j int) bool { return edits[i].start < edits[j].start })
	var out bytes.Buffer
	prev := 0
	for _, e := range edits {
		out.Write(src[prev:e.start])
		out.WriteString(e.text)
		prev = e.end
	}
	out.Write(src[prev:])
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	return os.WriteFile(path, out.Bytes(), fi.Mode().Perm())
}
