// Package message renders commit message templates: Go text/template syntax and output,
// without linking text/template's executor.
//
// # Why it exists
//
// ImageUpdateAutomation's spec.git.commit.messageTemplate is, by the Flux contract, a Go
// text/template executed with the option missingkey=zero. text/template's executor looks up
// methods by name at run time (reflect.Value.MethodByName with a name taken from the template).
// When a program can call MethodByName with a dynamic name, the Go linker can no longer prove
// which methods are unused, so it keeps every exported method of every type that may be reached
// by reflection. For image-automation-controller that alone grew the binary from 38.6 MB to
// 49.7 MB and cost about 5 MiB of resident memory at idle.
//
// This package keeps the language and the output and drops the dynamic method lookup: templates
// are parsed by the standard library's text/template/parse (which has no reflection), and the
// parse tree is executed by an evaluator written here that walks values with reflect but never
// calls reflect.Value.Method, MethodByName, reflect.Type.Method, MethodByName or NumMethod.
// Methods that templates may call are listed explicitly by the caller in a Methods table
// (niladic methods only, registered with Niladic). A name that is neither a registered method nor
// a field or map key fails like an unknown field does in text/template.
//
// # What is supported
//
// Everything text/template's executor does that makes sense without function values: text,
// actions, comments, trim markers, dot, fields, map keys (with missingkey=zero semantics),
// variables and assignments, pipelines, parenthesised pipelines and chains, if/else if/else,
// range over slices, arrays, maps (in sorted key order) and integers, with break and continue,
// with/else with, define/template/block, constants, and the builtins and, or, not, len, index,
// slice, print, printf, println, eq, ne, lt, le, gt, ge, html, js and urlquery. Values print as
// text/template prints them. Errors name the template, position and context the way
// text/template's do ("template: NAME:LINE:COL: executing ...").
//
// # Intended differences from text/template
//
//   - The builtin call is rejected when parsing: our data holds no function values.
//   - Only the methods in the Methods table can be called; any other method name fails as an
//     unknown field. Methods promoted from embedded fields must be registered on the outer type.
//   - Ranging over channels and iterator functions fails (our data holds neither).
//   - Only missingkey=zero is implemented.
//   - Execution is bounded so a hostile template can neither hang nor exhaust memory: template
//     calls nest at most 10000 deep (text/template: 100000), at most 1<<20 nodes and range
//     iterations are executed, the output is at most 4 MiB, and the builtins may produce at most
//     16 MiB of strings in total (a printf whose result could exceed that fails before it is
//     formatted). Exceeding a bound fails with an error that wraps ErrLimit.
//
// # Neighbours
//
// internal/update produces the update.Result that the commit message describes;
// internal/controller/imageupdateautomation parses the user's template with this package,
// declares the method table next to its TemplateData, and renders the message for each commit.
package message
