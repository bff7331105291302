package message

import (
	"errors"
	"fmt"
	"io"
	"reflect"
	"text/template/parse"
)

// ErrLimit is wrapped by the errors of executions that exceeded one of the package's bounds.
var ErrLimit = errors.New("template execution limit exceeded")

// limits bound one execution. They are a field of Template so tests can lower them.
type limits struct {
	depth    int // nested template calls
	steps    int // executed nodes and range iterations
	output   int // bytes written
	produced int // bytes of strings made by builtins, over the whole execution
}

var defaultLimits = limits{depth: 10000, steps: 1 << 20, output: 4 << 20, produced: 16 << 20}

// Method is a niladic method that templates may call, bound to its receiver type.
type Method struct {
	receiver reflect.Type
	name     string
	call     func(receiver reflect.Value) (reflect.Value, error)
}

// Niladic declares the method name of type T, implemented by fn; pass the method expression,
// e.g. Niladic("Files", update.Result.Files) or Niladic("Reset", (*T).Reset). Calling fn through
// a method expression keeps the linker's view of the program static.
func Niladic[T, R any](name string, fn func(T) R) Method {
	return Method{
		receiver: reflect.TypeFor[T](),
		name:     name,
		call: func(receiver reflect.Value) (reflect.Value, error) {
			result := fn(receiver.Interface().(T))
			// Keep the declared result type, as a reflective call would (it matters for
			// interface results).
			return reflect.ValueOf(&result).Elem(), nil
		},
	}
}

// Methods is the table of methods templates may call, by receiver type and name.
type Methods struct {
	byType map[reflect.Type]map[string]Method
}

// NewMethods builds a table. It panics on a duplicate, which is a programming error.
func NewMethods(methods ...Method) Methods {
	table := Methods{byType: map[reflect.Type]map[string]Method{}}
	for _, m := range methods {
		named := table.byType[m.receiver]
		if named == nil {
			named = map[string]Method{}
			table.byType[m.receiver] = named
		}
		if _, dup := named[m.name]; dup {
			panic(fmt.Sprintf("message: method %s.%s declared twice", m.receiver, m.name))
		}
		named[m.name] = m
	}
	return table
}

// lookup finds the method name of receiver following Go's method sets, as text/template does:
// a value has the methods of its type, and also those of the pointer type when it is
// addressable; a (nil) pointer has both.
func (ms Methods) lookup(receiver reflect.Value, name string) (Method, reflect.Value, bool) {
	t := receiver.Type()
	if receiver.Kind() == reflect.Pointer {
		if m, ok := ms.byType[t][name]; ok {
			return m, receiver, true
		}
		if m, ok := ms.byType[t.Elem()][name]; ok {
			// A value method through a pointer: dereferencing happens at the call.
			return m, receiver, true
		}
		return Method{}, reflect.Value{}, false
	}
	if m, ok := ms.byType[t][name]; ok {
		return m, receiver, true
	}
	if receiver.CanAddr() {
		if m, ok := ms.byType[reflect.PointerTo(t)][name]; ok {
			return m, receiver.Addr(), true
		}
	}
	return Method{}, reflect.Value{}, false
}

// Template is a parsed template with its associated {{define}}d templates.
type Template struct {
	name    string
	trees   map[string]*parse.Tree
	methods Methods
	limits  limits
}

// builtinNames declares the builtin functions to the parser, so it accepts exactly the names
// text/template accepts. The values only need to be non-nil.
var builtinNames = map[string]any{
	"and": true, "call": true, "html": true, "index": true, "slice": true, "js": true,
	"len": true, "not": true, "or": true, "print": true, "printf": true, "println": true,
	"urlquery": true, "eq": true, "ge": true, "gt": true, "le": true, "lt": true, "ne": true,
}

// Parse parses text as the template name, with the methods templates may call.
func Parse(name, text string, methods Methods) (*Template, error) {
	trees, err := parse.Parse(name, text, "", "", builtinNames)
	if err != nil {
		return nil, err
	}
	for _, tree := range trees {
		if err := rejectCall(tree); err != nil {
			return nil, err
		}
	}
	return &Template{name: name, trees: trees, methods: methods, limits: defaultLimits}, nil
}

// Tree returns the parse tree of the named template (the main one has the name given to
// Parse), or nil.
func (t *Template) Tree(name string) *parse.Tree { return t.trees[name] }

// Execute renders the template for data into w. On an error, part of the output may have been
// written. Evaluation errors read like text/template's; a write error is returned as is.
func (t *Template) Execute(w io.Writer, data any) (err error) {
	s := &state{
		tmpl:  t,
		name:  t.name,
		tree:  t.trees[t.name],
		out:   &boundedWriter{w: w, left: t.limits.output},
		steps: t.limits.steps,
		bytes: t.limits.produced,
	}
	defer s.recoverError(&err)
	value := reflect.ValueOf(data)
	s.vars = []variable{{"$", value}}
	if s.tree == nil || s.tree.Root == nil {
		s.fail("%q is an incomplete or empty template", t.name)
	}
	s.walk(value, s.tree.Root)
	return nil
}

// rejectCall fails templates that use the call builtin: there are no function values to call.
func rejectCall(tree *parse.Tree) error {
	var found parse.Node
	inspect(tree.Root, func(n parse.Node) bool {
		if id, ok := n.(*parse.IdentifierNode); ok && id.Ident == "call" && found == nil {
			found = n
		}
		return found == nil
	})
	if found == nil {
		return nil
	}
	location, _ := tree.ErrorContext(found)
	return fmt.Errorf("template: %s: function \"call\" is not supported: templates cannot call function values", location)
}

// inspect calls visit for node and every node below it, in order, while visit returns true.
func inspect(node parse.Node, visit func(parse.Node) bool) bool {
	if node == nil || !visit(node) {
		return false
	}
	var children []parse.Node
	switch n := node.(type) {
	case *parse.ListNode:
		if n == nil {
			return true
		}
		children = n.Nodes
	case *parse.ActionNode:
		children = []parse.Node{n.Pipe}
	case *parse.IfNode:
		children = branchChildren(&n.BranchNode)
	case *parse.RangeNode:
		children = branchChildren(&n.BranchNode)
	case *parse.WithNode:
		children = branchChildren(&n.BranchNode)
	case *parse.TemplateNode:
		children = []parse.Node{n.Pipe}
	case *parse.PipeNode:
		if n == nil {
			return true
		}
		for _, d := range n.Decl {
			children = append(children, d)
		}
		for _, c := range n.Cmds {
			children = append(children, c)
		}
	case *parse.CommandNode:
		children = n.Args
	case *parse.ChainNode:
		children = []parse.Node{n.Node}
	}
	for _, c := range children {
		if c == nil {
			continue
		}
		// Typed nil pointers (an absent else list or pipeline) are skipped here.
		if l, ok := c.(*parse.ListNode); ok && l == nil {
			continue
		}
		if p, ok := c.(*parse.PipeNode); ok && p == nil {
			continue
		}
		if !inspect(c, visit) {
			return false
		}
	}
	return true
}

func branchChildren(b *parse.BranchNode) []parse.Node {
	children := []parse.Node{b.Pipe, b.List}
	if b.ElseList != nil {
		children = append(children, b.ElseList)
	}
	return children
}

// UsesField reports whether a field chain on dot begins with name anywhere in the template or
// its defined templates, e.g. `.Updated.Files` for "Updated".
func (t *Template) UsesField(name string) bool {
	for _, tree := range t.trees {
		found := false
		inspect(tree.Root, func(n parse.Node) bool {
			if f, ok := n.(*parse.FieldNode); ok && len(f.Ident) > 0 && f.Ident[0] == name {
				found = true
			}
			return !found
		})
		if found {
			return true
		}
	}
	return false
}
