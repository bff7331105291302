package message

import (
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"text/template/parse"
)

// callBuiltin runs a builtin function. The argument count is checked before any argument is
// evaluated, and the piped value, if any, is the last argument, as in text/template. cmd is the
// command (or the lone identifier) that errors from the function itself point at.
func (s *state) callBuiltin(dot reflect.Value, cmd parse.Node, id *parse.IdentifierNode, args []parse.Node, final piped) reflect.Value {
	s.at(id)
	name := id.Ident
	n := len(args) + count(final.ok)
	wantExactly := func(want int) {
		if n != want {
			s.fail("wrong number of args for %s: want %d got %d", name, want, n)
		}
	}
	wantAtLeast := func(want int) {
		if n < want {
			s.fail("wrong number of args for %s: want at least %d got %d", name, want, len(args))
		}
	}
	// values evaluates the arguments for parameters that take values as they are.
	values := func() []reflect.Value {
		out := make([]reflect.Value, 0, n)
		for _, a := range args {
			out = append(out, s.evalArg(dot, a))
		}
		if final.ok {
			out = append(out, final.value)
		}
		return out
	}
	// interfaces evaluates the arguments for `any` parameters.
	interfaces := func(args []parse.Node, final piped) []any {
		out := make([]any, 0, len(args)+1)
		for _, a := range args {
			out = append(out, s.evalInterfaceArg(dot, a))
		}
		if final.ok {
			out = append(out, interfaceOf(final.value))
		}
		return out
	}
	// result turns a builtin's (value, error) into the value or a failure.
	result := func(v reflect.Value, err error) reflect.Value {
		if err != nil {
			s.at(cmd)
			s.fail("error calling %s: %w", name, err)
		}
		return v
	}

	switch name {
	case "and", "or":
		wantAtLeast(1)
		// Short-circuit: later arguments are not evaluated.
		var v reflect.Value
		for _, a := range args {
			v = s.evalArg(dot, a)
			if truth(v) == (name == "or") {
				return v
			}
		}
		if final.ok {
			v = final.value
		}
		return v
	case "not":
		wantExactly(1)
		return reflect.ValueOf(!truth(values()[0]))
	case "len":
		wantExactly(1)
		return result(length(values()[0]))
	case "index":
		wantAtLeast(1)
		v := values()
		return result(index(v[0], v[1:]))
	case "slice":
		wantAtLeast(1)
		v := values()
		return result(slice(v[0], v[1:]))
	case "eq":
		wantAtLeast(1)
		v := values()
		return result(s.compare(v[0], v[1:], equal))
	case "ne", "lt", "le", "gt", "ge":
		wantExactly(2)
		v := values()
		return result(s.compare(v[0], v[1:], comparisons[name]))
	case "print", "println", "html", "js", "urlquery":
		a := interfaces(args, final)
		// The escapers write up to six bytes for one.
		growth := 1
		if name != "print" && name != "println" {
			growth = 6
		}
		s.reserve(growth * stringBytes(a))
		var out string
		switch name {
		case "print":
			out = fmt.Sprint(a...)
		case "println":
			out = fmt.Sprintln(a...)
		case "html":
			out = htmlEscape(sprint(a))
		case "js":
			out = jsEscape(sprint(a))
		case "urlquery":
			out = url.QueryEscape(sprint(a))
		}
		s.spend(len(out))
		return reflect.ValueOf(out)
	case "printf":
		wantAtLeast(1)
		var format string
		var rest []any
		if len(args) > 0 {
			format = s.evalStringArg(dot, args[0])
			rest = interfaces(args[1:], final)
		} else {
			format = s.toString(final.value)
		}
		s.at(id)
		s.reserve(printfBound(format, rest))
		out := fmt.Sprintf(format, rest...)
		s.spend(len(out))
		return reflect.ValueOf(out)
	}
	s.fail("function %q is not supported", name)
	return reflect.Value{}
}

func truth(v reflect.Value) bool {
	t, _ := isTrue(indirectInterface(v))
	return t
}

func length(v reflect.Value) (reflect.Value, error) {
	v, isNil := indirect(v)
	if isNil {
		return reflect.Value{}, errors.New("len of nil pointer")
	}
	switch v.Kind() {
	case reflect.Array, reflect.Chan, reflect.Map, reflect.Slice, reflect.String:
		return reflect.ValueOf(v.Len()), nil
	case reflect.Invalid:
		return reflect.Value{}, errors.New("len of nil")
	}
	return reflect.Value{}, fmt.Errorf("len of type %s", v.Type())
}

// position converts an index argument to an int in [0, limit].
func position(v reflect.Value, limit int) (int, error) {
	var x int64
	switch v.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		x = v.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		x = int64(v.Uint())
	case reflect.Invalid:
		return 0, errors.New("cannot index slice/array with nil")
	default:
		return 0, fmt.Errorf("cannot index slice/array with type %s", v.Type())
	}
	if x < 0 || int(x) < 0 || int(x) > limit {
		return 0, fmt.Errorf("index out of range: %d", x)
	}
	return int(x), nil
}

// index is x[i][j]...; a missing map key gives the zero value of the element type.
func index(item reflect.Value, keys []reflect.Value) (reflect.Value, error) {
	item = indirectInterface(item)
	if !item.IsValid() {
		return reflect.Value{}, errors.New("index of untyped nil")
	}
	for _, key := range keys {
		key = indirectInterface(key)
		var isNil bool
		if item, isNil = indirect(item); isNil {
			return reflect.Value{}, errors.New("index of nil pointer")
		}
		switch item.Kind() {
		case reflect.Array, reflect.Slice, reflect.String:
			i, err := position(key, item.Len())
			if err != nil {
				return reflect.Value{}, err
			}
			if i == item.Len() {
				return reflect.Value{}, fmt.Errorf("index out of range: %d", i)
			}
			item = item.Index(i)
		case reflect.Map:
			k, err := mapKey(key, item.Type().Key())
			if err != nil {
				return reflect.Value{}, err
			}
			if v := item.MapIndex(k); v.IsValid() {
				item = v
			} else {
				item = reflect.Zero(item.Type().Elem())
			}
		default:
			return reflect.Value{}, fmt.Errorf("can't index item of type %s", item.Type())
		}
	}
	return item, nil
}

// mapKey converts an index to the key type: nil for nillable keys, assignable values, and
// integers of any integer type.
func mapKey(v reflect.Value, keyType reflect.Type) (reflect.Value, error) {
	if !v.IsValid() {
		switch keyType.Kind() {
		case reflect.Chan, reflect.Func, reflect.Interface, reflect.Map, reflect.Pointer, reflect.Slice:
			return reflect.Zero(keyType), nil
		}
		return reflect.Value{}, fmt.Errorf("value is nil; should be of type %s", keyType)
	}
	if v.Type().AssignableTo(keyType) {
		return v, nil
	}
	if isInteger(v.Kind()) && isInteger(keyType.Kind()) && v.Type().ConvertibleTo(keyType) {
		return v.Convert(keyType), nil
	}
	return reflect.Value{}, fmt.Errorf("value has type %s; should be %s", v.Type(), keyType)
}

func isInteger(k reflect.Kind) bool {
	switch k {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return true
	}
	return false
}

// slice is x[i:j:k] with up to three indexes.
func slice(item reflect.Value, indexes []reflect.Value) (reflect.Value, error) {
	item = indirectInterface(item)
	if !item.IsValid() {
		return reflect.Value{}, errors.New("slice of untyped nil")
	}
	item, isNil := indirect(item)
	if isNil {
		return reflect.Value{}, errors.New("slice of nil pointer")
	}
	if len(indexes) > 3 {
		return reflect.Value{}, fmt.Errorf("too many slice indexes: %d", len(indexes))
	}
	var limit int
	switch item.Kind() {
	case reflect.String:
		if len(indexes) == 3 {
			return reflect.Value{}, errors.New("cannot 3-index slice a string")
		}
		limit = item.Len()
	case reflect.Array, reflect.Slice:
		limit = item.Cap()
	default:
		return reflect.Value{}, fmt.Errorf("can't slice item of type %s", item.Type())
	}
	bounds := [3]int{0, item.Len()}
	for i, v := range indexes {
		x, err := position(v, limit)
		if err != nil {
			return reflect.Value{}, err
		}
		bounds[i] = x
	}
	if bounds[0] > bounds[1] {
		return reflect.Value{}, fmt.Errorf("invalid slice index: %d > %d", bounds[0], bounds[1])
	}
	if len(indexes) < 3 {
		return item.Slice(bounds[0], bounds[1]), nil
	}
	if bounds[1] > bounds[2] {
		return reflect.Value{}, fmt.Errorf("invalid slice index: %d > %d", bounds[1], bounds[2])
	}
	return item.Slice3(bounds[0], bounds[1], bounds[2]), nil
}

// stringBytes is the length of the strings among args: what print-like builtins copy at least.
func stringBytes(args []any) int {
	n := 0
	for _, a := range args {
		switch a := a.(type) {
		case string:
			n += len(a)
		case []byte:
			n += len(a)
		}
	}
	return n
}

// printfBound is an upper estimate of the length of fmt.Sprintf(format, args...), so a format
// with many verbs, large widths or repeated explicit argument indexes is refused before fmt
// builds the string in memory.
func printfBound(format string, args []any) int {
	const perByte, perVerb, maxWidth = 6, 32, 1_000_000
	largest := 0
	total := len(format)
	for _, a := range args {
		var n int
		switch a := a.(type) {
		case string:
			n = perByte * len(a)
		case []byte:
			n = perByte * len(a)
		default:
			// Values from the data: their size does not depend on the template, but %#v and
			// friends add type names, hence the margin.
			n = 4*perByte*len(fmt.Sprint(a)) + 256
		}
		largest = max(largest, n)
		total += n + perVerb // each may be printed as an extra argument
	}
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		i++
		if i < len(format) && format[i] == '%' {
			continue
		}
		// Widths and precisions (fmt ignores those above maxWidth); a '*' takes its value
		// from an argument.
		for ; i < len(format) && !isVerbLetter(format[i]); i++ {
			switch c := format[i]; {
			case c == '*':
				total += maxWidth
			case c >= '0' && c <= '9':
				n := 0
				for ; i < len(format) && format[i] >= '0' && format[i] <= '9'; i++ {
					n = min(n*10+int(format[i]-'0'), maxWidth)
				}
				i--
				total += n
			}
		}
		total += largest + perVerb
	}
	return total
}

func isVerbLetter(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}
