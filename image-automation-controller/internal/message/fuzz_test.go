package message

import (
	"errors"
	"strings"
	"testing"
	"text/template/parse"
	"unicode/utf8"
)

// fuzzLimits keep each input fast; an input that reaches them is skipped, so text/template is
// never run on a template that might not end.
var fuzzLimits = limits{depth: 100, steps: 20000, output: 64 << 10, produced: 1 << 20}

// FuzzExecute checks that, for any template text/template parses, this package agrees with it
// on success or failure and on the output, over the same data. Templates that rely on an
// intended difference (the call builtin, methods outside the table) are skipped.
func FuzzExecute(f *testing.F) {
	for _, tt := range sameAsTextTemplate {
		f.Add(tt.text, tt.kitchen)
	}
	unlisted := unlistedMethodNames(kitchenMethods)
	f.Fuzz(func(t *testing.T, text string, useKitchen bool) {
		if len(text) > 4096 || !utf8.ValidString(text) {
			return
		}
		var data any = sampleCommit()
		methods := commitMethods
		if useKitchen {
			data, methods = sampleKitchen(), kitchenMethods
		}
		trees, err := parse.Parse("msg", text, "", "", builtinNames)
		if err != nil {
			if _, ourErr, _ := ours(text, data, methods, fuzzLimits); ourErr == nil {
				t.Fatalf("parse accepted what text/template's parser refuses: %v", err)
			}
			return
		}
		if usesUnsupported(trees, unlisted) {
			return
		}
		gotOut, gotParse, gotExec := ours(text, data, methods, fuzzLimits)
		if gotParse != nil {
			t.Fatalf("parse failed: %v", gotParse)
		}
		if errors.Is(gotExec, ErrLimit) {
			return
		}
		wantOut, wantParse, wantExec := oracle(text, data)
		if wantParse != nil {
			t.Fatalf("text/template refused what its parser accepted: %v", wantParse)
		}
		if (wantExec != nil) != (gotExec != nil) {
			t.Fatalf("execute: text/template %v (%q), ours %v (%q)", wantExec, wantOut, gotExec, gotOut)
		}
		if wantOut != gotOut {
			t.Fatalf("output differs:\ntext/template: %q\nours:          %q", wantOut, gotOut)
		}
	})
}

// usesUnsupported reports whether a template names the call builtin or a method that only
// text/template would find.
func usesUnsupported(trees map[string]*parse.Tree, unlisted map[string]bool) bool {
	found := false
	for _, tree := range trees {
		inspect(tree.Root, func(n parse.Node) bool {
			var names []string
			switch n := n.(type) {
			case *parse.IdentifierNode:
				found = found || n.Ident == "call"
			case *parse.FieldNode:
				names = n.Ident
			case *parse.VariableNode:
				names = n.Ident[1:]
			case *parse.ChainNode:
				names = n.Field
			}
			for _, name := range names {
				found = found || unlisted[name] || strings.HasPrefix(name, "call")
			}
			return !found
		})
	}
	return found
}
