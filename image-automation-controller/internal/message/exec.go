package message

import (
	"errors"
	"fmt"
	"io"
	"reflect"
	"text/template/parse"
)

// state is one execution. Evaluation errors unwind with panic(execFailure) up to Execute, which
// keeps the deeply recursive evaluator free of error plumbing.
type state struct {
	tmpl  *Template
	name  string      // the template being executed, for errors
	tree  *parse.Tree // its tree, for error positions
	out   *boundedWriter
	node  parse.Node // the node being evaluated, for errors
	vars  []variable // the variable stack; blocks pop what they pushed
	depth int        // nested template calls
	steps int        // nodes and iterations left
	bytes int        // builtin string bytes left
}

type variable struct {
	name  string
	value reflect.Value
}

// control is how a walk ends: normally, or by {{break}} or {{continue}} of the enclosing range.
type control int

const (
	flowOn control = iota
	flowBreak
	flowContinue
)

// ExecError is an evaluation error; Error reads like text/template's ExecError.
type ExecError struct {
	Name string // the template being executed
	Err  error
}

func (e ExecError) Error() string { return e.Err.Error() }
func (e ExecError) Unwrap() error { return e.Err }

type execFailure struct{ err ExecError }

type writeFailure struct{ err error }

func (s *state) recoverError(errp *error) {
	switch r := recover().(type) {
	case nil:
	case execFailure:
		*errp = r.err
	case writeFailure:
		*errp = r.err
	default:
		panic(r)
	}
}

func (s *state) at(n parse.Node) { s.node = n }

// fail stops the execution with an error that starts with the template name and the position
// and text of the current node, as text/template's do. %w in format wraps.
func (s *state) fail(format string, args ...any) {
	var prefix string
	if s.node == nil || s.tree == nil {
		prefix = fmt.Sprintf("template: %s: ", s.name)
	} else {
		location, context := s.tree.ErrorContext(s.node)
		prefix = fmt.Sprintf("template: %s: executing %q at <%s>: ", location, s.name, context)
	}
	panic(execFailure{ExecError{Name: s.name, Err: fmt.Errorf("%s%w", prefix, fmt.Errorf(format, args...))}})
}

func (s *state) step() {
	s.steps--
	if s.steps < 0 {
		s.fail("%w: more than %d steps", ErrLimit, s.tmpl.limits.steps)
	}
}

// spend charges n bytes of strings made by a builtin.
func (s *state) spend(n int) {
	s.reserve(n)
	s.bytes -= n
}

// reserve fails unless n more bytes of builtin strings fit: checked before a builtin that could
// make a large string runs.
func (s *state) reserve(n int) {
	if n > s.bytes {
		s.fail("%w: builtins made more than %d bytes", ErrLimit, s.tmpl.limits.produced)
	}
}

func (s *state) write(p []byte) {
	_, err := s.out.Write(p)
	s.checkWrite(err)
}

// checkWrite ends the execution on a write error: a bound as an evaluation error, any other
// error as it is.
func (s *state) checkWrite(err error) {
	if err == nil {
		return
	}
	if errors.Is(err, ErrLimit) {
		s.fail("%w", err)
	}
	panic(writeFailure{err})
}

// boundedWriter refuses to write more than left bytes in total.
type boundedWriter struct {
	w    io.Writer
	left int
}

func (b *boundedWriter) Write(p []byte) (int, error) {
	if len(p) > b.left {
		return 0, fmt.Errorf("%w: output longer than the limit", ErrLimit)
	}
	b.left -= len(p)
	return b.w.Write(p)
}

func (s *state) push(name string, v reflect.Value) { s.vars = append(s.vars, variable{name, v}) }

func (s *state) lookupVar(name string) reflect.Value {
	for i := len(s.vars) - 1; i >= 0; i-- {
		if s.vars[i].name == name {
			return s.vars[i].value
		}
	}
	s.fail("undefined variable: %s", name)
	return reflect.Value{}
}

func (s *state) assignVar(name string, v reflect.Value) {
	for i := len(s.vars) - 1; i >= 0; i-- {
		if s.vars[i].name == name {
			s.vars[i].value = v
			return
		}
	}
	s.fail("undefined variable: %s", name)
}

func (s *state) walk(dot reflect.Value, node parse.Node) control {
	s.at(node)
	s.step()
	switch n := node.(type) {
	case *parse.ActionNode:
		v := s.evalPipeline(dot, n.Pipe)
		if len(n.Pipe.Decl) == 0 {
			s.print(n, v)
		}
	case *parse.BreakNode:
		return flowBreak
	case *parse.ContinueNode:
		return flowContinue
	case *parse.CommentNode:
	case *parse.IfNode:
		return s.walkBranch(dot, &n.BranchNode, false)
	case *parse.WithNode:
		return s.walkBranch(dot, &n.BranchNode, true)
	case *parse.ListNode:
		for _, child := range n.Nodes {
			if c := s.walk(dot, child); c != flowOn {
				return c
			}
		}
	case *parse.RangeNode:
		return s.walkRange(dot, n)
	case *parse.TemplateNode:
		s.walkTemplate(dot, n)
	case *parse.TextNode:
		s.write(n.Text)
	default:
		s.fail("unknown node: %s", node)
	}
	return flowOn
}

// walkBranch runs if and with. Variables declared in the condition are visible in both
// branches and gone after the end.
func (s *state) walkBranch(dot reflect.Value, b *parse.BranchNode, with bool) control {
	mark := len(s.vars)
	defer func() { s.vars = s.vars[:mark] }()
	v := s.evalPipeline(dot, b.Pipe)
	truth, ok := isTrue(indirectInterface(v))
	if !ok {
		s.fail("if/with can't use %v", v)
	}
	switch {
	case truth && with:
		return s.walk(v, b.List)
	case truth:
		return s.walk(dot, b.List)
	case b.ElseList != nil:
		return s.walk(dot, b.ElseList)
	}
	return flowOn
}

func (s *state) walkRange(dot reflect.Value, r *parse.RangeNode) control {
	s.at(r)
	mark := len(s.vars)
	defer func() { s.vars = s.vars[:mark] }()
	v, _ := indirect(s.evalPipeline(dot, r.Pipe))
	bodyMark := len(s.vars)
	decl := r.Pipe.Decl
	// iterate runs the body once and reports whether the range is over.
	iterate := func(key, elem reflect.Value) bool {
		s.step()
		switch {
		case len(decl) == 1 && r.Pipe.IsAssign:
			s.assignVar(decl[0].Ident[0], elem)
		case len(decl) == 1:
			s.vars[bodyMark-1].value = elem
		case len(decl) == 2 && r.Pipe.IsAssign:
			s.assignVar(decl[0].Ident[0], key)
			s.assignVar(decl[1].Ident[0], elem)
		case len(decl) == 2:
			s.vars[bodyMark-2].value = key
			s.vars[bodyMark-1].value = elem
		}
		c := s.walk(elem, r.List)
		s.vars = s.vars[:bodyMark]
		return c == flowBreak
	}
	ran := false
	switch v.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if len(decl) > 1 {
			s.fail("can't use %v to iterate over more than one variable", v)
		}
		for i := int64(0); i < v.Int(); i++ {
			ran = true
			if iterate(reflect.Value{}, reflect.ValueOf(i).Convert(v.Type())) {
				break
			}
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if len(decl) > 1 {
			s.fail("can't use %v to iterate over more than one variable", v)
		}
		for i := uint64(0); i < v.Uint(); i++ {
			ran = true
			if iterate(reflect.Value{}, reflect.ValueOf(i).Convert(v.Type())) {
				break
			}
		}
	case reflect.Array, reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			ran = true
			if iterate(reflect.ValueOf(i), v.Index(i)) {
				break
			}
		}
	case reflect.Map:
		keys, values := sortedMap(v)
		for i := range keys {
			ran = true
			if iterate(keys[i], values[i]) {
				break
			}
		}
	case reflect.Invalid:
		// A nil map or interface ranges like an empty one.
	default:
		s.fail("range can't iterate over %v", v)
	}
	if ran || r.ElseList == nil {
		return flowOn
	}
	// The else list belongs to the enclosing range, if any: text/template lets its continue
	// through and ends on its break here.
	if c := s.walk(dot, r.ElseList); c == flowContinue {
		return c
	}
	return flowOn
}

// walkTemplate runs {{template "name" pipeline}}: the callee sees only $ and dot, set to the
// pipeline's value; variables the pipeline declares stay with the caller.
func (s *state) walkTemplate(dot reflect.Value, t *parse.TemplateNode) {
	s.at(t)
	tree := s.tmpl.trees[t.Name]
	if tree == nil {
		s.fail("template %q not defined", t.Name)
	}
	if s.depth >= s.tmpl.limits.depth {
		s.fail("%w: exceeded maximum template depth (%d)", ErrLimit, s.tmpl.limits.depth)
	}
	dot = s.evalPipeline(dot, t.Pipe)
	callerVars, callerName, callerTree := s.vars, s.name, s.tree
	s.vars, s.name, s.tree = []variable{{"$", dot}}, t.Name, tree
	s.depth++
	s.walk(dot, tree.Root)
	s.depth--
	s.vars, s.name, s.tree = callerVars, callerName, callerTree
}

var (
	errorType    = reflect.TypeFor[error]()
	stringerType = reflect.TypeFor[fmt.Stringer]()
	anyType      = reflect.TypeFor[any]()
)

// print writes v as text/template does: pointers are followed, a missing value reads
// "<no value>", and a value whose pointer is a Stringer or error prints through it when
// addressable.
func (s *state) print(n parse.Node, v reflect.Value) {
	s.at(n)
	p, ok := printable(v)
	if !ok {
		s.fail("can't print %s of type %s", n, v.Type())
	}
	_, err := fmt.Fprint(s.out, p)
	s.checkWrite(err)
}

func printable(v reflect.Value) (any, bool) {
	if v.Kind() == reflect.Pointer {
		v, _ = indirect(v)
	}
	if !v.IsValid() {
		return "<no value>", true
	}
	t := v.Type()
	if !t.Implements(errorType) && !t.Implements(stringerType) {
		pt := reflect.PointerTo(t)
		switch {
		case v.CanAddr() && (pt.Implements(errorType) || pt.Implements(stringerType)):
			v = v.Addr()
		case v.Kind() == reflect.Chan || v.Kind() == reflect.Func:
			return nil, false
		}
	}
	return v.Interface(), true
}

// isTrue is the truth of if, with, and, or and not: not the zero value; structs are true.
func isTrue(v reflect.Value) (truth, ok bool) {
	if !v.IsValid() {
		return false, true
	}
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() > 0, true
	case reflect.Bool:
		return v.Bool(), true
	case reflect.Complex64, reflect.Complex128:
		return v.Complex() != 0, true
	case reflect.Chan, reflect.Func, reflect.Pointer, reflect.UnsafePointer, reflect.Interface:
		return !v.IsNil(), true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int() != 0, true
	case reflect.Float32, reflect.Float64:
		return v.Float() != 0, true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return v.Uint() != 0, true
	case reflect.Struct:
		return true, true
	}
	return false, false
}

// indirect follows pointers and interfaces to a concrete value, stopping at a nil one (then
// isNil is true and v is that pointer or interface).
func indirect(v reflect.Value) (_ reflect.Value, isNil bool) {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return v, true
		}
		v = v.Elem()
	}
	return v, false
}

// indirectInterface unwraps one interface; a nil interface becomes the invalid value.
func indirectInterface(v reflect.Value) reflect.Value {
	if v.Kind() != reflect.Interface {
		return v
	}
	if v.IsNil() {
		return reflect.Value{}
	}
	return v.Elem()
}

// isEmptyInterface reports whether t is an interface without methods. any implements exactly
// those, which avoids reflect.Type.NumMethod.
func isEmptyInterface(t reflect.Type) bool {
	return t.Kind() == reflect.Interface && anyType.Implements(t)
}
