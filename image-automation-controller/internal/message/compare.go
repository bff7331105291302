package message

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// basic is the comparison class of a value: eq, lt and friends compare within a class, and
// signed with unsigned integers.
type basic int

const (
	notBasic basic = iota
	boolClass
	complexClass
	intClass
	floatClass
	stringClass
	uintClass
)

func classOf(v reflect.Value) basic {
	switch v.Kind() {
	case reflect.Bool:
		return boolClass
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return intClass
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return uintClass
	case reflect.Float32, reflect.Float64:
		return floatClass
	case reflect.Complex64, reflect.Complex128:
		return complexClass
	case reflect.String:
		return stringClass
	}
	return notBasic
}

var errBadComparison = errors.New("invalid type for comparison")

// comparison is one of the ordering builtins, given its operands.
type comparison func(s *state, a, b reflect.Value) (bool, error)

var comparisons = map[string]comparison{
	"ne": func(s *state, a, b reflect.Value) (bool, error) {
		eq, err := equal(s, a, b)
		return !eq, err
	},
	"lt": less,
	"le": func(s *state, a, b reflect.Value) (bool, error) {
		if lt, err := less(s, a, b); lt || err != nil {
			return lt, err
		}
		return equal(s, a, b)
	},
	"gt": func(s *state, a, b reflect.Value) (bool, error) {
		lt, err := less(s, a, b)
		if lt || err != nil {
			return false, err
		}
		eq, err := equal(s, a, b)
		return !eq, err
	},
	"ge": func(s *state, a, b reflect.Value) (bool, error) {
		lt, err := less(s, a, b)
		return !lt, err
	},
}

// compare runs op on first and each of others (eq takes several: true if any is equal). A panic
// comparing uncomparable dynamic values becomes an error.
func (s *state) compare(first reflect.Value, others []reflect.Value, op comparison) (result reflect.Value, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	if len(others) == 0 {
		return reflect.Value{}, errors.New("missing argument for comparison")
	}
	for _, other := range others {
		ok, err := op(s, first, other)
		if err != nil {
			return reflect.Value{}, err
		}
		if ok {
			return reflect.ValueOf(true), nil
		}
	}
	return reflect.ValueOf(false), nil
}

func equal(s *state, a, b reflect.Value) (bool, error) {
	a, b = indirectInterface(a), indirectInterface(b)
	ca, cb := classOf(a), classOf(b)
	if ca != cb {
		switch {
		case ca == intClass && cb == uintClass:
			return a.Int() >= 0 && uint64(a.Int()) == b.Uint(), nil
		case ca == uintClass && cb == intClass:
			return b.Int() >= 0 && a.Uint() == uint64(b.Int()), nil
		case a.IsValid() && b.IsValid():
			return false, fmt.Errorf("incompatible types for comparison: %v and %v", a.Type(), b.Type())
		}
		return false, nil
	}
	switch ca {
	case boolClass:
		return a.Bool() == b.Bool(), nil
	case complexClass:
		return a.Complex() == b.Complex(), nil
	case floatClass:
		return a.Float() == b.Float(), nil
	case intClass:
		return a.Int() == b.Int(), nil
	case stringClass:
		s.spend(min(a.Len(), b.Len()))
		return a.String() == b.String(), nil
	case uintClass:
		return a.Uint() == b.Uint(), nil
	}
	// Neither is a basic value: both nil-able (or missing), or of the same kind.
	if a.Kind() != b.Kind() && a.IsValid() && b.IsValid() {
		return false, fmt.Errorf("non-comparable types %s: %v, %s: %v", a, a.Type(), b.Type(), b)
	}
	if isNil(a) || isNil(b) {
		return isNil(a) == isNil(b), nil
	}
	if !b.Type().Comparable() {
		return false, fmt.Errorf("non-comparable type %s: %v", b, b.Type())
	}
	return a.Interface() == b.Interface(), nil
}

func isNil(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Invalid:
		return true
	case reflect.Chan, reflect.Func, reflect.Interface, reflect.Map, reflect.Pointer, reflect.Slice:
		return v.IsNil()
	}
	return false
}

func less(s *state, a, b reflect.Value) (bool, error) {
	a, b = indirectInterface(a), indirectInterface(b)
	ca, cb := classOf(a), classOf(b)
	if ca == notBasic || cb == notBasic {
		return false, errBadComparison
	}
	if ca != cb {
		switch {
		case ca == intClass && cb == uintClass:
			return a.Int() < 0 || uint64(a.Int()) < b.Uint(), nil
		case ca == uintClass && cb == intClass:
			return b.Int() >= 0 && a.Uint() < uint64(b.Int()), nil
		}
		return false, fmt.Errorf("incompatible types for comparison: %v and %v", a.Type(), b.Type())
	}
	switch ca {
	case floatClass:
		return a.Float() < b.Float(), nil
	case intClass:
		return a.Int() < b.Int(), nil
	case stringClass:
		s.spend(min(a.Len(), b.Len()))
		return a.String() < b.String(), nil
	case uintClass:
		return a.Uint() < b.Uint(), nil
	}
	return false, errBadComparison // bool and complex have no order
}

// sortedMap returns the entries of m ordered by key the way fmt and text/template order them.
func sortedMap(m reflect.Value) (keys, values []reflect.Value) {
	type entry struct{ key, value reflect.Value }
	entries := make([]entry, 0, m.Len())
	for it := m.MapRange(); it.Next(); {
		entries = append(entries, entry{it.Key(), it.Value()})
	}
	slices.SortStableFunc(entries, func(a, b entry) int { return orderKeys(a.key, b.key) })
	keys, values = make([]reflect.Value, len(entries)), make([]reflect.Value, len(entries))
	for i, e := range entries {
		keys[i], values[i] = e.key, e.value
	}
	return keys, values
}

// orderKeys orders two map keys of the same type: numbers and strings naturally (NaN first),
// false before true, pointers and channels by address, structs and arrays element by element,
// interfaces nil first, then by dynamic type, then by value.
func orderKeys(a, b reflect.Value) int {
	if a.Type() != b.Type() {
		return -1 // not reached for keys of one map
	}
	switch a.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return cmp.Compare(a.Int(), b.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return cmp.Compare(a.Uint(), b.Uint())
	case reflect.String:
		return strings.Compare(a.String(), b.String())
	case reflect.Float32, reflect.Float64:
		return orderFloats(a.Float(), b.Float())
	case reflect.Complex64, reflect.Complex128:
		if c := orderFloats(real(a.Complex()), real(b.Complex())); c != 0 {
			return c
		}
		return orderFloats(imag(a.Complex()), imag(b.Complex()))
	case reflect.Bool:
		switch {
		case a.Bool() == b.Bool():
			return 0
		case a.Bool():
			return 1
		}
		return -1
	case reflect.Pointer, reflect.UnsafePointer, reflect.Chan:
		return cmp.Compare(a.Pointer(), b.Pointer())
	case reflect.Struct:
		for i := range a.NumField() {
			if c := orderKeys(a.Field(i), b.Field(i)); c != 0 {
				return c
			}
		}
		return 0
	case reflect.Array:
		for i := range a.Len() {
			if c := orderKeys(a.Index(i), b.Index(i)); c != 0 {
				return c
			}
		}
		return 0
	case reflect.Interface:
		switch an, bn := a.IsNil(), b.IsNil(); {
		case an && bn:
			return 0
		case an:
			return -1
		case bn:
			return 1
		}
		ta, tb := reflect.ValueOf(a.Elem().Type()), reflect.ValueOf(b.Elem().Type())
		if c := cmp.Compare(ta.Pointer(), tb.Pointer()); c != 0 {
			return c
		}
		return orderKeys(a.Elem(), b.Elem())
	}
	return 0
}

func orderFloats(a, b float64) int {
	switch {
	case math.IsNaN(a) && math.IsNaN(b):
		return 0
	case math.IsNaN(a):
		return -1
	case math.IsNaN(b):
		return 1
	}
	return cmp.Compare(a, b)
}

// htmlEscape escapes the characters that are special in HTML text and attributes, and NUL.
func htmlEscape(s string) string {
	return htmlReplacer.Replace(s)
}

var htmlReplacer = strings.NewReplacer(
	"\x00", "\uFFFD", `"`, "&#34;", "'", "&#39;", "&", "&amp;", "<", "&lt;", ">", "&gt;",
)

// jsEscape escapes s for a JavaScript string literal: quotes, backslash, the HTML-special
// characters and control characters become escapes; printable non-ASCII characters stay.
func jsEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '\\':
				b.WriteString(`\\`)
			case c == '\'':
				b.WriteString(`\'`)
			case c == '"':
				b.WriteString(`\"`)
			case c == '<' || c == '>' || c == '&' || c == '=' || c < ' ':
				fmt.Fprintf(&b, `\u%04X`, c)
			default:
				b.WriteByte(c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if unicode.IsPrint(r) {
			b.WriteString(s[i : i+size])
		} else {
			fmt.Fprintf(&b, `\u%04X`, r)
		}
		i += size
	}
	return b.String()
}
