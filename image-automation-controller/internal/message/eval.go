package message

import (
	"fmt"
	"reflect"
	"strings"
	"text/template/parse"
)

// piped is the value a pipeline passes from one command to the next, which becomes the
// command's last argument. The first command has none (ok is false).
type piped struct {
	value reflect.Value
	ok    bool
}

// evalPipeline evaluates the commands of pipe in turn and declares or assigns its variables.
// Declared variables stay on the stack until the enclosing block ends.
func (s *state) evalPipeline(dot reflect.Value, pipe *parse.PipeNode) reflect.Value {
	if pipe == nil {
		return reflect.Value{}
	}
	s.at(pipe)
	var final piped
	for _, cmd := range pipe.Cmds {
		v := s.evalCommand(dot, cmd, final)
		// Like text/template, look through an empty interface to the value it holds.
		if v.Kind() == reflect.Interface && isEmptyInterface(v.Type()) {
			v = v.Elem()
		}
		final = piped{v, true}
	}
	for _, variable := range pipe.Decl {
		if pipe.IsAssign {
			s.assignVar(variable.Ident[0], final.value)
		} else {
			s.push(variable.Ident[0], final.value)
		}
	}
	return final.value
}

func (s *state) evalCommand(dot reflect.Value, cmd *parse.CommandNode, final piped) reflect.Value {
	first, args := cmd.Args[0], cmd.Args[1:]
	switch n := first.(type) {
	case *parse.FieldNode:
		s.at(n)
		return s.evalFields(dot, dot, n, n.Ident, args, final)
	case *parse.ChainNode:
		return s.evalChain(dot, n, args, final)
	case *parse.IdentifierNode:
		return s.callBuiltin(dot, cmd, n, args, final)
	case *parse.PipeNode:
		s.noArguments(first, args, final)
		return s.evalPipeline(dot, n)
	case *parse.VariableNode:
		return s.evalVariable(dot, n, args, final)
	}
	s.at(first)
	s.noArguments(first, args, final)
	if v, ok := s.constant(first); ok {
		return v
	}
	switch first.(type) {
	case *parse.DotNode:
		return dot
	case *parse.NilNode:
		s.fail("nil is not a command")
	}
	s.fail("can't evaluate command %q", first)
	return reflect.Value{}
}

// constant evaluates a boolean, number or string constant; ok is false for any other node.
func (s *state) constant(n parse.Node) (v reflect.Value, ok bool) {
	switch n := n.(type) {
	case *parse.BoolNode:
		return reflect.ValueOf(n.True), true
	case *parse.NumberNode:
		return s.numberConstant(n), true
	case *parse.StringNode:
		return reflect.ValueOf(n.Text), true
	}
	return reflect.Value{}, false
}

// noArguments fails when a value that is not a function is given arguments.
func (s *state) noArguments(n parse.Node, args []parse.Node, final piped) {
	if len(args) > 0 || final.ok {
		s.fail("can't give argument to non-function %s", n)
	}
}

// numberConstant gives an untyped number the type Go would: complex, float when written with a
// fraction or exponent, else int. A number that is none of these (too big for every type) is the
// invalid value, as in text/template.
func (s *state) numberConstant(n *parse.NumberNode) reflect.Value {
	s.at(n)
	isRune := strings.HasPrefix(n.Text, "'")
	isHexInt := len(n.Text) > 2 && n.Text[0] == '0' && (n.Text[1] == 'x' || n.Text[1] == 'X') &&
		!strings.ContainsAny(n.Text, "pP")
	switch {
	case n.IsComplex:
		return reflect.ValueOf(n.Complex128)
	case n.IsFloat && !isHexInt && !isRune && strings.ContainsAny(n.Text, ".eEpP"):
		return reflect.ValueOf(n.Float64)
	case n.IsInt:
		i := int(n.Int64)
		if int64(i) != n.Int64 {
			s.fail("%s overflows int", n.Text)
		}
		return reflect.ValueOf(i)
	case n.IsUint:
		s.fail("%s overflows int", n.Text)
	}
	return reflect.Value{}
}

func (s *state) evalChain(dot reflect.Value, chain *parse.ChainNode, args []parse.Node, final piped) reflect.Value {
	s.at(chain)
	if len(chain.Field) == 0 {
		s.fail("internal error: no fields in chain")
	}
	if chain.Node.Type() == parse.NodeNil {
		s.fail("indirection through explicit nil in %s", chain)
	}
	receiver := s.evalArg(dot, chain.Node)
	return s.evalFields(dot, receiver, chain, chain.Field, args, final)
}

func (s *state) evalVariable(dot reflect.Value, v *parse.VariableNode, args []parse.Node, final piped) reflect.Value {
	s.at(v)
	value := s.lookupVar(v.Ident[0])
	if len(v.Ident) == 1 {
		s.noArguments(v, args, final)
		return value
	}
	return s.evalFields(dot, value, v, v.Ident[1:], args, final)
}

// evalFields walks receiver along names; only the last name can take arguments.
func (s *state) evalFields(dot, receiver reflect.Value, node parse.Node, names []string, args []parse.Node, final piped) reflect.Value {
	for _, name := range names[:len(names)-1] {
		receiver = s.evalField(node, name, nil, piped{}, receiver)
	}
	return s.evalField(node, names[len(names)-1], args, final, receiver)
}

// evalField evaluates .name on receiver: a method from the table, a struct field, or a map key.
// As in text/template with missingkey=zero, a missing receiver yields a missing value and a
// missing map key the zero value of the element type.
func (s *state) evalField(node parse.Node, name string, args []parse.Node, final piped, receiver reflect.Value) reflect.Value {
	if !receiver.IsValid() {
		return reflect.Value{}
	}
	typ := receiver.Type()
	receiver, isNil := indirect(receiver)
	if receiver.Kind() == reflect.Interface && isNil {
		s.fail("nil pointer evaluating %s.%s", typ, name)
	}
	if method, recv, ok := s.tmpl.methods.lookup(receiver, name); ok {
		return s.callMethod(node, method, recv, args, final)
	}
	hasArgs := len(args) > 0 || final.ok
	switch receiver.Kind() {
	case reflect.Struct:
		sf, ok := receiver.Type().FieldByName(name)
		if !ok {
			break
		}
		field, err := receiver.FieldByIndexErr(sf.Index)
		if !sf.IsExported() {
			s.fail("%s is an unexported field of struct type %s", name, typ)
		}
		if err != nil {
			s.fail("%v", err)
		}
		if hasArgs {
			s.fail("%s has arguments but cannot be invoked as function", name)
		}
		return field
	case reflect.Map:
		key := reflect.ValueOf(name)
		if !key.Type().AssignableTo(receiver.Type().Key()) {
			break
		}
		if hasArgs {
			s.fail("%s is not a method but has arguments", name)
		}
		if v := receiver.MapIndex(key); v.IsValid() {
			return v
		}
		return reflect.Zero(receiver.Type().Elem())
	case reflect.Pointer:
		elem := receiver.Type().Elem()
		if elem.Kind() == reflect.Struct {
			if _, ok := elem.FieldByName(name); !ok {
				break // no such field: say so rather than "nil pointer"
			}
		}
		s.fail("nil pointer evaluating %s.%s", typ, name)
	}
	s.fail("can't evaluate field %s in type %s", name, typ)
	return reflect.Value{}
}

// callMethod calls a niladic method from the table. A panic in the method becomes an error, as
// in text/template.
func (s *state) callMethod(node parse.Node, m Method, recv reflect.Value, args []parse.Node, final piped) (result reflect.Value) {
	if n := len(args) + count(final.ok); n != 0 {
		s.fail("wrong number of args for %s: want 0 got %d", m.name, n)
	}
	if recv.Type() != m.receiver {
		// A value method reached through a pointer.
		if recv.IsNil() {
			s.at(node)
			s.fail("error calling %s: value method %s.%s.%s called using nil *%s pointer",
				m.name, m.receiver.PkgPath(), m.receiver.Name(), m.name, m.receiver.Name())
		}
		recv = recv.Elem()
	}
	var err error
	func() {
		defer func() {
			if r := recover(); r != nil {
				if e, ok := r.(error); ok {
					err = e
				} else {
					err = fmt.Errorf("%v", r)
				}
			}
		}()
		result, err = m.call(recv)
	}()
	if err != nil {
		s.at(node)
		s.fail("error calling %s: %w", m.name, err)
	}
	return result
}

func count(b bool) int {
	if b {
		return 1
	}
	return 0
}

// evalArg evaluates an argument whose parameter takes any value as it is (text/template's
// reflect.Value parameters): no conversion, a missing value stays missing.
func (s *state) evalArg(dot reflect.Value, n parse.Node) reflect.Value {
	s.at(n)
	switch n := n.(type) {
	case *parse.DotNode:
		return dot
	case *parse.NilNode:
		return reflect.Value{}
	case *parse.FieldNode:
		return s.evalFields(dot, dot, n, n.Ident, nil, piped{})
	case *parse.VariableNode:
		return s.evalVariable(dot, n, nil, piped{})
	case *parse.PipeNode:
		return s.evalPipeline(dot, n)
	case *parse.IdentifierNode:
		return s.callBuiltin(dot, n, n, nil, piped{})
	case *parse.ChainNode:
		return s.evalChain(dot, n, nil, piped{})
	}
	if v, ok := s.constant(n); ok {
		return v
	}
	s.fail("can't handle %s for arg", n)
	return reflect.Value{}
}

// evalInterfaceArg evaluates an argument for an `any` parameter (print and friends): a missing
// value becomes nil.
func (s *state) evalInterfaceArg(dot reflect.Value, n parse.Node) any {
	return interfaceOf(s.evalArg(dot, n))
}

func interfaceOf(v reflect.Value) any {
	if !v.IsValid() {
		return nil
	}
	return v.Interface()
}

// evalStringArg evaluates an argument for a string parameter (printf's format): a string
// constant, or a value of type string (also behind an interface or a pointer).
func (s *state) evalStringArg(dot reflect.Value, n parse.Node) string {
	s.at(n)
	switch n := n.(type) {
	case *parse.StringNode:
		return n.Text
	case *parse.NilNode:
		s.fail("cannot assign nil to string")
	case *parse.BoolNode, *parse.NumberNode:
		s.fail("expected string; found %s", n)
	}
	return s.toString(s.evalArg(dot, n))
}

var stringType = reflect.TypeFor[string]()

func (s *state) toString(v reflect.Value) string {
	if !v.IsValid() {
		s.fail("invalid value; expected string")
	}
	if v.Type() == stringType {
		return v.String()
	}
	if v.Kind() == reflect.Interface && !v.IsNil() {
		v = v.Elem()
		if v.Type() == stringType {
			return v.String()
		}
	}
	if v.Kind() == reflect.Pointer && v.Type().Elem() == stringType {
		if v.IsNil() {
			s.fail("dereference of nil pointer of type string")
		}
		return v.Elem().String()
	}
	s.fail("wrong type for value; expected string; got %s", v.Type())
	return ""
}

// sprint formats args as the html, js and urlquery builtins do: like fmt.Sprint, but each
// argument printed as an action would print it (pointers followed, "<no value>" for nil).
func sprint(args []any) string {
	if len(args) == 1 {
		if s, ok := args[0].(string); ok {
			return s
		}
	}
	for i, arg := range args {
		if p, ok := printable(reflect.ValueOf(arg)); ok {
			args[i] = p
		}
	}
	return fmt.Sprint(args...)
}
