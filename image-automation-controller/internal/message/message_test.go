package message

import (
	"errors"
	"strings"
	"testing"
)

// fluxFiles, fluxObjects and fluxChanges are the examples of Flux's ImageUpdateAutomation
// documentation.
const (
	fluxFiles = `Automated image update

Automation name: {{ .AutomationObject }}

Files:
{{ range $filename, $_ := .Changed.FileChanges -}}
- {{ $filename }}
{{ end -}}
`
	fluxObjects = `Automated image update

Objects:
{{ range $resource, $changes := .Changed.Objects -}}
- {{ $resource.Kind }} {{ $resource.Name }}
  Changes:
{{- range $_, $change := $changes }}
    - {{ $change.OldValue }} -> {{ $change.NewValue }}
{{ end -}}
{{ end -}}
`
	fluxChanges = `Automated image update by Flux

{{ range .Changed.Changes -}}
- {{ .OldValue }} -> {{ .NewValue }}
{{ end -}}
`
	fluxValues = `[ci skip] Automated image update by Flux for cluster {{ .Values.cluster }} ({{ .Values.env }})`
)

// sameAsTextTemplate are templates whose output (or failure) must match text/template's.
// With kitchen set they run over sampleKitchen (by pointer when addressable), else over
// sampleCommit.
var sameAsTextTemplate = []struct {
	name, text         string
	kitchen, pointer   bool
	wantErr, wantParse bool // for documentation: the expected outcome
}{
	{name: "plain text", text: "Update from image update automation"},
	{name: "empty", text: ""},
	{name: "flux files example", text: fluxFiles},
	{name: "flux objects example", text: fluxObjects},
	{name: "flux changes example", text: fluxChanges},
	{name: "flux values example", text: fluxValues},
	{name: "comment and trim markers", text: "a  {{- /* note */ -}}  b {{- 1 }} {{ 2 -}}\n c"},
	{name: "dot prints the struct", text: "{{ .Changed.UnknownSetters }} {{ .Changed.Skipped }}"},
	{name: "whole data", text: "{{ . }}"},
	{name: "NamespacedName prints via String", text: "{{ .AutomationObject }} {{ .AutomationObject.String }} {{ .AutomationObject.Name }}"},
	{name: "method chain", text: "{{ len .Changed.Files }} {{ index .Changed.Files 0 }} {{ .Changed.Empty }}"},
	{name: "object String method", text: "{{ range $id, $c := .Changed.Objects }}{{ $id.String }}={{ len $c }};{{ end }}"},
	{name: "object prints via String", text: "{{ range $id, $c := .Changed.Objects }}[{{ $id }}]{{ end }}"},
	{name: "nested range over files and objects", text: "{{ range $f, $objs := .Changed.FileChanges }}{{ $f }}:{{ range $id, $cs := $objs }} {{ $id.Kind }}/{{ $id.Namespace }}/{{ $id.Name }}{{ range $cs }} {{ .Setter }}{{ end }}{{ end }}\n{{ end }}"},
	{name: "range index and element", text: "{{ range $i, $c := .Changed.Changes }}{{ $i }}:{{ $c.NewValue }} {{ end }}"},
	{name: "range else", text: "{{ range .Changed.Skipped }}{{ .Path }}: {{ .Reason }}{{ else }}none{{ end }}|{{ range .Changed.FileChanges.none }}x{{ else }}empty{{ end }}"},
	{name: "range over integer", text: "{{ range 3 }}{{ . }}{{ end }}{{ range $i := 2 }}<{{ $i }}>{{ end }}{{ range 0 }}x{{ else }}zero{{ end }}"},
	{name: "range over integer with two variables", text: "{{ range $i, $e := 3 }}{{ end }}", wantErr: true},
	{name: "break and continue", text: "{{ range $i, $c := .Changed.Changes }}{{ if eq $i 1 }}{{ continue }}{{ end }}{{ if eq $i 3 }}{{ break }}{{ end }}{{ $c.Setter }} {{ end }}"},
	{name: "range over map sorts keys", text: "{{ range $k, $v := .Values }}{{ $k }}={{ $v }},{{ end }}"},
	{name: "variables and assignment", text: "{{ $x := .Values.env }}{{ $x }} {{ $x = \"changed\" }}{{ $x }} {{ $ }}"},
	{name: "variable assigned in range persists", text: "{{ $last := \"\" }}{{ range .Changed.Changes }}{{ $last = .NewValue }}{{ end }}{{ $last }}"},
	{name: "range with assignment", text: "{{ $i := 0 }}{{ $c := 0 }}{{ range $i, $c = .Changed.Files }}{{ end }}{{ $i }} {{ $c }}"},
	{name: "dollar inside range", text: "{{ range .Changed.Changes }}{{ $.AutomationObject.Name }}:{{ .Setter }} {{ end }}"},
	{name: "pipelines", text: "{{ .Values.env | printf \"%s!\" }} {{ \"x\" | printf \"%s-%s\" \"y\" }} {{ .Changed.Files | len | printf \"%03d\" }}"},
	{name: "parenthesised pipeline and chain", text: "{{ (index .Changed.Changes 0).NewValue }} {{ (.Changed).Empty }} {{ printf \"%d\" (len (.Changed.Files)) }}"},
	{name: "if else if else", text: "{{ if .Values.none }}a{{ else if eq .Values.env \"production\" }}b{{ else }}c{{ end }}{{ if not .Changed.Empty }}!{{ end }}"},
	{name: "with and else with", text: "{{ with .Values.none }}{{ . }}{{ else with .Values.cluster }}[{{ . }}]{{ else }}none{{ end }}{{ with $x := .Values.env }}{{ $x }}{{ end }}"},
	{name: "with struct", text: "{{ with .AutomationObject }}{{ .Namespace }}/{{ .Name }}{{ end }}"},
	{name: "define and template", text: "{{ define \"obj\" }}{{ .Kind }}/{{ .Name }}{{ end }}{{ range $id, $_ := .Changed.Objects }}{{ template \"obj\" $id }} {{ end }}"},
	{name: "template without data", text: "{{ define \"t\" }}[{{ . }}]{{ end }}{{ template \"t\" }}"},
	{name: "block", text: "{{ block \"summary\" .Changed }}{{ len .FileChanges }} files{{ end }}"},
	{name: "template variables do not leak", text: "{{ define \"t\" }}{{ $x }}{{ end }}{{ $x := 1 }}{{ template \"t\" }}", wantParse: true},
	{name: "undefined template", text: "{{ template \"nope\" }}", wantErr: true},
	{name: "recursive template with a base case", text: "{{ define \"r\" }}{{ if . }}{{ len . }}{{ template \"r\" slice . 1 }}{{ end }}{{ end }}{{ template \"r\" .Changed.Files }}"},
	{name: "constants", text: "{{ true }} {{ false }} {{ 42 }} {{ -3 }} {{ 1.5 }} {{ 1e3 }} {{ 0x1F }} {{ 'a' }} {{ 1i }} {{ \"s\" }} {{ `raw` }} {{ 0x1p-2 }} {{ 1_000 }}"},
	{name: "huge number", text: "{{ 99999999999999999999 }}", wantParse: true},
	{name: "huge float", text: "{{ 1e400 }}", wantParse: true},
	{name: "nil is not a command", text: "{{ nil }}", wantErr: true},
	{name: "nil as an argument", text: "{{ print nil }} {{ and nil 1 }} {{ eq nil nil }} {{ html nil }}"},
	{name: "and or short circuit", text: "{{ and 1 0 (index .Changed.Files 9) }} {{ or 0 \"\" .Values.env (index .Changed.Files 9) }} {{ and 1 2 }} {{ or 0 \"\" }}"},
	{name: "and or with piped value", text: "{{ 0 | and 1 }} {{ 0 | or 2 }} {{ 3 | and 1 }}"},
	{name: "not", text: "{{ not 0 }} {{ not .Values }} {{ not .Changed }} {{ not \"\" }}"},
	{name: "len of everything", text: "{{ len .Values }} {{ len .Changed.FileChanges }} {{ len \"héllo\" }} {{ len .Changed.Skipped }}"},
	{name: "len of a number", text: "{{ len 3 }}", wantErr: true},
	{name: "index map, slice, string", text: "{{ index .Values \"env\" }} {{ index .Changed.Files 1 }} {{ index \"abc\" 1 }} [{{ index .Values \"none\" }}]"},
	{name: "index nested", text: "{{ index .Changed.FileChanges \"values.yaml\" }}"},
	{name: "index out of range", text: "{{ index .Changed.Files 7 }}", wantErr: true},
	{name: "index with a wrong key type", text: "{{ index .Values 1 }}", wantErr: true},
	{name: "slice", text: "{{ slice .Changed.Files 1 }} {{ slice \"abcdef\" 1 3 }} {{ slice .Changed.Files 0 1 2 }} {{ slice .Changed.Files }}"},
	{name: "slice out of range", text: "{{ slice .Changed.Files 2 1 }}", wantErr: true},
	{name: "print println", text: "{{ print 1 2 \"a\" \"b\" 3 }}|{{ println .Values.env 1 }}|{{ print }}"},
	{name: "printf verbs", text: "{{ printf \"%s %q %v %d %5.2f %x %X %t %c %U %08b %e %+v %#v %T %%\" .Values.env .Values.cluster .AutomationObject 42 3.14159 255 \"hi\" true 'x' 'y' 5 1234.5678 .AutomationObject .Values.env .Changed.Files }}"},
	{name: "printf mistakes", text: "{{ printf \"%d %s\" \"x\" }} {{ printf \"%s\" 1 2 }} {{ printf \"%!\" }}"},
	{name: "printf with a percent in data", text: "{{ printf .Values.percent }} {{ .Values.percent }}"},
	{name: "printf format must be a string", text: "{{ printf 1 }}", wantErr: true},
	{name: "printf of nil format", text: "{{ printf nil }}", wantErr: true},
	{name: "printf of non-string format", text: "{{ printf .AutomationObject }}", wantErr: true},
	{name: "printf width from argument", text: "{{ printf \"[%*d]\" 5 42 }} {{ printf \"[%-6s]\" \"ab\" }} {{ printf \"%[2]s %[1]s\" \"a\" \"b\" }}"},
	{name: "comparisons", text: "{{ eq 1 1 }} {{ eq 1 2 3 1 }} {{ ne \"a\" \"b\" }} {{ lt 1 2 }} {{ le 2 2 }} {{ gt 3 2 }} {{ ge 1 2 }} {{ lt \"a\" \"b\" }} {{ lt 1.5 2.5 }} {{ eq true true }} {{ eq .Values.env \"production\" }}"},
	{name: "comparison of incompatible kinds", text: "{{ eq 1 \"1\" }}", wantErr: true},
	{name: "comparison of unordered kind", text: "{{ lt true false }}", wantErr: true},
	{name: "eq on structs", text: "{{ eq .AutomationObject .AutomationObject }}"},
	{name: "eq on non-comparable", text: "{{ eq .Changed.Files .Changed.Files }}", wantErr: true},
	{name: "eq missing argument", text: "{{ eq 1 }}", wantErr: true},
	{name: "html js urlquery", text: "{{ html \"<a href='x'>&\\\"</a>\" }} {{ js \"it's <b> \\\"q\\\" = \\\\ \\t é\" }} {{ urlquery \"a b&c=d/é\" }} {{ html 1 2 }} {{ .Values.env | urlquery }}"},
	{name: "missing map key is zero", text: "[{{ .Values.nothing }}] [{{ .Values.nothing | len }}]"},
	{name: "field on missing key's zero value", text: "{{ .Values.nothing.deeper }}", wantErr: true},
	{name: "unknown field", text: "{{ .Nope }}", wantErr: true},
	{name: "unknown nested field", text: "{{ .Changed.Nope }}", wantErr: true},
	{name: "unknown field on map with struct keys", text: "{{ .Changed.Objects.x }}", wantErr: true},
	{name: "field with arguments", text: "{{ .AutomationObject.Name 1 }}", wantErr: true},
	{name: "method with arguments", text: "{{ .Changed.Files 1 }}", wantErr: true},
	{name: "method given a piped value", text: "{{ 1 | .Changed.Empty }}", wantErr: true},
	{name: "map key with arguments", text: "{{ .Values.env 1 }}", wantErr: true},
	{name: "wrong arg count", text: "{{ not 1 2 }}", wantErr: true},
	{name: "wrong arg count for lt", text: "{{ lt 1 }}", wantErr: true},
	{name: "argument to a non-function", text: "{{ 1 | 2 }}", wantParse: true},
	{name: "argument to a variable", text: "{{ $x := 1 }}{{ 2 | $x }}", wantErr: true},
	{name: "argument to dot", text: "{{ 2 | . }}", wantParse: true},
	{name: "argument to a parenthesised pipeline", text: "{{ 2 | (print 1) }}", wantErr: true},
	{name: "if on a struct", text: "{{ if .AutomationObject }}yes{{ end }}"},
	{name: "unexported method is unknown", text: "{{ .Changed.add }}", wantErr: true},
	{name: "undefined function", text: "{{ nope }}", wantParse: true},
	{name: "syntax error", text: "{{ .Changed ", wantParse: true},
	{name: "break outside range", text: "{{ break }}", wantParse: true},

	{name: "range assigning one variable", text: "{{ $x := 1 }}{{ range $x = .Changed.Files }}{{ $x }},{{ end }}{{ $x }}"},
	{name: "with variable visible in else", text: "{{ with $x := 0 }}{{ else }}[{{ $x }}]{{ end }}"},
	{name: "break in a nested range's else", text: "{{ range 2 }}{{ range 0 }}{{ else }}{{ break }}{{ end }}x{{ end }}"},
	{name: "continue in a nested range's else", text: "{{ range 2 }}{{ range 0 }}{{ else }}{{ continue }}{{ end }}x{{ end }}y"},
	{name: "parenthesised values", text: "{{ (1) }} {{ (.Values).env }} {{ ($).AutomationObject.Name }} {{ (print 1 | len) }}"},
	{name: "field of a slice", text: "{{ .Changed.Files.x }}", wantErr: true},
	{name: "index of nil", text: "{{ index nil 1 }}", wantErr: true},
	{name: "three-index slice of a string", text: "{{ slice .Values.env 1 2 3 }}", wantErr: true},
	{name: "len of nil", text: "{{ len nil }}", wantErr: true},
	{name: "printf of nil values", text: "{{ printf \"%v %d\" nil .Values.none }}"},
	{name: "compare with nil", text: "{{ eq .Changed.Skipped nil }} {{ eq 1 nil }} {{ ne .Values nil }}"},
	{name: "declaration in a parenthesised pipeline", text: "{{ print ($x := 2) $x }}"},
	{name: "range over a string", text: "{{ range .Values.env }}{{ end }}", wantErr: true},
	{name: "range over a struct", text: "{{ range .AutomationObject }}{{ end }}", wantErr: true},
	{name: "if on a missing value", text: "{{ if .Values.none }}a{{ else }}b{{ end }}{{ if $.Changed.Empty }}c{{ end }}"},
	{name: "objects map prints sorted", text: "{{ .Changed.Objects }}"},
	{name: "pointer field", text: "{{ .Ptr }} {{ .Ptr.Name }} {{ .Ptr.String }}", kitchen: true},
	{name: "nil pointer prints", text: "{{ .NilPtr }}", kitchen: true},
	{name: "nil pointer deref", text: "{{ .NilPtr.Name }}", kitchen: true, wantErr: true},
	{name: "value method on nil pointer", text: "{{ .NilPtr.String }}", kitchen: true, wantErr: true},
	{name: "unknown field on nil pointer", text: "{{ .NilPtr.Nope }}", kitchen: true, wantErr: true},
	{name: "pointer to pointer", text: "{{ .PtrPtr }} {{ .PtrPtr.N }} {{ .PtrPtr.Double }} {{ .PtrPtr.String }}", kitchen: true},
	{name: "any map", text: "{{ .Any.str }} {{ .Any.int }} {{ .Any.nil }} {{ .Any.missing }} {{ .Any.list }} {{ .Any.map.inner }} {{ .Any.counter }} {{ .Any.counter.N }}", kitchen: true},
	{name: "field of nil interface", text: "{{ .Any.nil.x }}", kitchen: true, wantErr: true},
	{name: "field of missing any", text: "{{ .Any.missing.x.y }}", kitchen: true, wantErr: true},
	{name: "range over any list", text: "{{ range .Any.list }}[{{ . }}]{{ end }} {{ range $i, $e := .Any.list }}{{ if $e }}{{ $i }}{{ end }}{{ end }}", kitchen: true},
	{name: "index any list", text: "{{ index .Any.list 1 }} {{ index .Any \"map\" \"inner\" }} {{ index .Any \"nil\" }}", kitchen: true},
	{name: "numbers of other kinds", text: "{{ .Int64 }} {{ .Uint }} {{ .Float }} {{ .Complex }} {{ eq .Uint 200 }} {{ lt .Int64 .Uint }} {{ eq .Int64 -7 }} {{ range .Uint }}{{ end }}{{ len .Array }}", kitchen: true},
	{name: "range over uint", text: "{{ range $x := index .Bytes 0 }}{{ end }}{{ range slice .Ints 0 2 }}{{ . }}{{ end }}", kitchen: true},
	{name: "interfaces", text: "{{ .Iface }} {{ .NilIface }} {{ .Stringer }} {{ .Stringer.N }} {{ .Stringer.String }} {{ if .NilIface }}x{{ else }}nil{{ end }}", kitchen: true},
	{name: "field of nil interface field", text: "{{ .NilIface.X }}", kitchen: true, wantErr: true},
	{name: "stringer and pointer methods by value", text: "{{ .Counter }} {{ .Counter.String }} {{ .PStr }}", kitchen: true},
	{name: "pointer method on non-addressable value", text: "{{ .Counter.Double }}", kitchen: true, wantErr: true},
	{name: "pointer methods on addressable values", text: "{{ .Counter.Double }} {{ .PStr }} {{ range .Counters }}{{ .Double }}{{ . }}{{ end }}", kitchen: true, pointer: true},
	{name: "slice elements are addressable", text: "{{ range .Counters }}{{ .Double }} {{ end }}{{ range .PStrs }}{{ . }}{{ end }}{{ index .PStrs 0 }}", kitchen: true},
	{name: "error value prints", text: "{{ .Err }} {{ print .Err }} {{ printf \"%v\" .Err }}", kitchen: true},
	{name: "nil map", text: "[{{ .NilMap.x }}] {{ len .NilMap }} {{ range .NilMap }}x{{ else }}none{{ end }}", kitchen: true},
	{name: "sorted int, float and bool keys", text: "{{ range $k, $v := .IntMap }}{{ $k }}{{ $v }} {{ end }}{{ range $k, $v := .FloatKeys }}{{ $k }}{{ $v }} {{ end }}{{ range $k, $v := .BoolMap }}{{ $k }}{{ $v }} {{ end }}", kitchen: true},
	{name: "named string key map cannot use field syntax", text: "{{ .LabelMap.a }}", kitchen: true, wantErr: true},
	{name: "named string key map with index", text: "{{ range $k, $v := .LabelMap }}{{ $k }}{{ end }} {{ index .LabelMap \"a\" }}", kitchen: true, wantErr: true},
	{name: "index map with int keys", text: "{{ index .IntMap 10 }} [{{ index .IntMap 3 }}] {{ index .IntMap .Uint }}", kitchen: true},
	{name: "bytes", text: "{{ .Bytes }} {{ printf \"%s\" .Bytes }} {{ index .Bytes 0 }} {{ slice .Bytes 1 3 }}", kitchen: true},
	{name: "named string", text: "{{ .Label }} {{ eq .Label \"lbl\" }} {{ printf .Label }}", kitchen: true, wantErr: true},
	{name: "string pointer as format", text: "{{ printf .StrPtr }} {{ .StrPtr }} {{ print .StrPtr | len }}", kitchen: true},
	{name: "unexported field", text: "{{ .hidden }}", kitchen: true, wantErr: true},
	{name: "empty slice and nested maps", text: "{{ .Empty }} {{ len .Empty }} {{ .Nested.a.b }} {{ .Nested.x.y }}", kitchen: true},
	{name: "nested missing key is zero map", text: "{{ .Nested.x }} {{ len .Nested.x }}", kitchen: true},
	{name: "html of pointers", text: "{{ html .Ptr }} {{ js .PtrPtr }} {{ urlquery .Counter .Err }}", kitchen: true},
	{name: "chain on function result", text: "{{ (index .Counters 1).N }} {{ (index .Any \"map\").inner }}", kitchen: true},
	{name: "with on interface", text: "{{ with .Iface }}{{ . }}{{ end }}{{ with .Any.list }}{{ len . }}{{ end }}", kitchen: true},
	{name: "compare interface values", text: "{{ eq .Iface 7 }} {{ eq (index .Any \"int\") 3 }} {{ eq .NilIface nil }} {{ ne .Ptr nil }}", kitchen: true},
}

func TestSameAsTextTemplate(t *testing.T) {
	if len(sameAsTextTemplate) < 60 {
		t.Fatalf("only %d cases", len(sameAsTextTemplate))
	}
	identicalErrors := 0
	failures := 0
	for _, tt := range sameAsTextTemplate {
		t.Run(tt.name, func(t *testing.T) {
			var data any = sampleCommit()
			methods := commitMethods
			if tt.kitchen {
				k := sampleKitchen()
				data, methods = k, kitchenMethods
				if tt.pointer {
					data = &k
				}
			}
			wantOut, wantParse, wantExec := oracle(tt.text, data)
			gotOut, gotParse, gotExec := ours(tt.text, data, methods, limits{})
			if (wantParse != nil) != (gotParse != nil) {
				t.Fatalf("parse: text/template %v, ours %v", wantParse, gotParse)
			}
			if (wantParse != nil) != tt.wantParse {
				t.Errorf("the case expects parse error %v, text/template says %v", tt.wantParse, wantParse)
			}
			if (wantExec != nil) != (gotExec != nil) {
				t.Fatalf("execute: text/template %v (%q), ours %v (%q)", wantExec, wantOut, gotExec, gotOut)
			}
			if (wantExec != nil) != tt.wantErr {
				t.Errorf("the case expects error %v, text/template says %v", tt.wantErr, wantExec)
			}
			if gotOut != wantOut {
				t.Fatalf("output differs:\ntext/template: %q\nours:          %q", wantOut, gotOut)
			}
			if wantExec != nil {
				failures++
				if wantExec.Error() == gotExec.Error() {
					identicalErrors++
				} else {
					t.Logf("error wording differs:\ntext/template: %v\nours:          %v", wantExec, gotExec)
				}
			}
		})
	}
	t.Logf("%d of %d execution errors are worded identically", identicalErrors, failures)
}

// TestErrorWording checks that errors name the template, position, field and type the way
// text/template's do.
func TestErrorWording(t *testing.T) {
	for _, tt := range []struct{ text, want string }{
		{"x\n{{ .Nope }}", `template: msg:2:3: executing "msg" at <.Nope>: can't evaluate field Nope in type message.commitData`},
		{"{{ .Changed.Nope }}", `template: msg:1:11: executing "msg" at <.Changed.Nope>: can't evaluate field Nope in type update.Result`},
		{"{{ index .Changed.Files 7 }}", `template: msg:1:3: executing "msg" at <index .Changed.Files 7>: error calling index: index out of range: 7`},
		{"{{ not 1 2 }}", `template: msg:1:3: executing "msg" at <not>: wrong number of args for not: want 1 got 2`},
		{"{{ define \"t\" }}{{ .X }}{{ end }}{{ template \"t\" .AutomationObject }}", `template: msg:1:19: executing "t" at <.X>: can't evaluate field X in type types.NamespacedName`},
	} {
		_, _, got := ours(tt.text, sampleCommit(), commitMethods, limits{})
		_, _, want := oracle(tt.text, sampleCommit())
		if got == nil || got.Error() != tt.want {
			t.Errorf("%q: got %v, want %s", tt.text, got, tt.want)
		}
		if want == nil || want.Error() != tt.want {
			t.Errorf("%q: text/template says %v now, want %s", tt.text, want, tt.want)
		}
	}
}

// TestIntendedDifferences lists where this package deliberately departs from text/template.
func TestIntendedDifferences(t *testing.T) {
	k := sampleKitchen()
	for _, tt := range []struct {
		name, text string
		data       any
		oracleOK   bool // text/template succeeds (false: it fails or is not run)
		wantErr    string
		limit      bool
	}{
		{name: "call is rejected when parsing", text: "{{ if false }}{{ call .X }}{{ end }}", data: sampleCommit(), oracleOK: true,
			wantErr: `template: msg:1:17: function "call" is not supported`},
		{name: "methods outside the table", text: "{{ .AutomationObject.MarshalLog }}", data: sampleCommit(), oracleOK: true,
			wantErr: "can't evaluate field MarshalLog in type types.NamespacedName"},
		{name: "Error method of an error value", text: "{{ .Err.Error }}", data: k, oracleOK: true,
			wantErr: "can't evaluate field Error in type error"},
		{name: "range over a channel", text: "{{ range . }}{{ . }}{{ end }}", data: closedChannel(), oracleOK: true,
			wantErr: "range can't iterate over"},
		{name: "template depth", text: "{{ define \"r\" }}{{ template \"r\" . }}{{ end }}{{ template \"r\" . }}", data: 1,
			wantErr: "exceeded maximum template depth (10000)", limit: true},
		{name: "steps", text: "{{ range 100000000000 }}{{ end }}", data: 1, wantErr: "more than 1048576 steps", limit: true},
		{name: "output size", text: "{{ range 10000 }}{{ printf \"%0999d\" 1 }}{{ end }}", data: 1, wantErr: "output longer than the limit", limit: true},
		{name: "printf result size", text: "{{ printf \"%0999999d%0999999d%[1]*d\" 1 2 }}{{ $x := printf \"%0999999d\" 1 }}{{ printf \"%[1]s%[1]s%[1]s%[1]s%[1]s%[1]s%[1]s%[1]s%[1]s%[1]s\" $x }}", data: 1,
			wantErr: "builtins made more than", limit: true},
		{name: "doubling strings", text: "{{ $x := printf \"%099999d\" 1 }}{{ range 30 }}{{ $x = print $x $x }}{{ end }}", data: 1,
			wantErr: "builtins made more than", limit: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if !tt.limit {
				_, parseErr, execErr := oracle(tt.text, tt.data)
				if ok := parseErr == nil && execErr == nil; ok != tt.oracleOK {
					t.Errorf("text/template: %v %v", parseErr, execErr)
				}
			}
			_, parseErr, execErr := ours(tt.text, tt.data, kitchenMethods, limits{})
			err := errors.Join(parseErr, execErr)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("got %v, want an error with %q", err, tt.wantErr)
			}
			if errors.Is(err, ErrLimit) != tt.limit {
				t.Errorf("errors.Is(ErrLimit) = %v", !tt.limit)
			}
		})
	}
}

func closedChannel() chan int {
	c := make(chan int, 1)
	c <- 1
	close(c)
	return c
}

func TestUsesField(t *testing.T) {
	for text, want := range map[string]bool{
		"{{ .Updated }}": true,
		"{{ define \"x\" }}{{ range .Updated.Images }}{{ end }}{{ end }}":               true,
		"{{ if .Values }}{{ else }}{{ with .Changed }}{{ .Updated }}{{ end }}{{ end }}": true,
		"{{ .Values.Updated }}":         false,
		"{{ print (.Updated) }}":        true,
		"{{ $.Updated }}":               false,
		"{{ template \"x\" .Updated }}": true,
	} {
		tmpl, err := Parse("t", text, Methods{})
		if err != nil {
			t.Fatal(err)
		}
		if got := tmpl.UsesField("Updated"); got != want {
			t.Errorf("%s: UsesField = %v", text, got)
		}
	}
}
