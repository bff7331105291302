package message

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"text/template"

	"k8s.io/apimachinery/pkg/types"

	"github.com/eddy-gitops/eddy/image-automation-controller/internal/update"
)

// commitData has the shape of the reconciler's TemplateData (which this package cannot import
// in its own tests).
type commitData struct {
	AutomationObject types.NamespacedName
	Changed          update.Result
	Values           map[string]string
}

var commitMethods = []Method{
	Niladic("Files", update.Result.Files),
	Niladic("Objects", update.Result.Objects),
	Niladic("Changes", update.Result.Changes),
	Niladic("Empty", update.Result.Empty),
	Niladic("String", update.ObjectIdentifier.String),
	Niladic("String", types.NamespacedName.String),
}

func sampleCommit() commitData {
	deploy := update.ObjectIdentifier{APIVersion: "apps/v1", Kind: "Deployment", Namespace: "apps", Name: "podinfo"}
	cron := update.ObjectIdentifier{APIVersion: "batch/v1", Kind: "CronJob", Name: "backup"}
	values := update.ObjectIdentifier{} // a YAML document that is not a Kubernetes object
	return commitData{
		AutomationObject: types.NamespacedName{Namespace: "flux-system", Name: "auto"},
		Changed: update.Result{
			FileChanges: map[string]update.ObjectChanges{
				"apps/podinfo.yaml": {
					deploy: {
						{OldValue: "ghcr.io/org/podinfo:6.0.0", NewValue: "ghcr.io/org/podinfo:6.1.0", Setter: "apps:podinfo"},
						{OldValue: "ghcr.io/org/sidecar:1.0", NewValue: "ghcr.io/org/sidecar:1.1", Setter: "apps:sidecar"},
					},
				},
				"infra/backup.yaml": {
					cron: {{OldValue: "v1", NewValue: "v2", Setter: "infra:backup:tag"}},
				},
				"values.yaml": {
					values: {{OldValue: "1.0.0", NewValue: "1.2.0", Setter: "apps:chart:tag"}},
				},
			},
			UnknownSetters: []string{"apps:missing"},
			Skipped:        []update.SkippedFile{{Path: "broken.yaml", Reason: "yaml: line 3: did not find expected key"}},
		},
		Values: map[string]string{"cluster": "prod-eu", "env": "production", "percent": "100%"},
	}
}

// counter has a value String method and a pointer Double method, to check method sets.
type counter struct{ N int }

func (c counter) String() string { return fmt.Sprintf("counter(%d)", c.N) }
func (c *counter) Double() int   { return 2 * c.N }

// pointerStringer prints through its pointer String method only when addressable.
type pointerStringer struct{ S string }

func (p *pointerStringer) String() string { return "<" + p.S + ">" }

type label string

// kitchen holds a value of most kinds text/template deals with.
type kitchen struct {
	Commit    commitData
	Ptr       *update.ObjectIdentifier
	NilPtr    *update.ObjectIdentifier
	PtrPtr    **counter
	Any       map[string]any
	Ints      []int
	Array     [3]string
	Int64     int64
	Uint      uint8
	Float     float64
	Complex   complex128
	Bool      bool
	Iface     any
	NilIface  any
	Stringer  fmt.Stringer
	Counter   counter
	Counters  []counter
	PStr      pointerStringer
	PStrs     []pointerStringer
	NilMap    map[string]string
	IntMap    map[int]string
	LabelMap  map[label]int
	Bytes     []byte
	Err       error
	Label     label
	StrPtr    *string
	hidden    string //nolint:unused // checks the unexported field error
	Empty     []string
	Nested    map[string]map[string]string
	BoolMap   map[bool]string
	FloatKeys map[float64]string
}

var kitchenMethods = append([]Method{
	Niladic("String", counter.String),
	Niladic("Double", (*counter).Double),
	Niladic("String", (*pointerStringer).String),
}, commitMethods...)

func sampleKitchen() kitchen {
	c := &counter{N: 21}
	s := "pointed"
	commit := sampleCommit()
	return kitchen{
		Commit: commit,
		Ptr:    &update.ObjectIdentifier{Kind: "Deployment", Name: "ptr"},
		PtrPtr: &c,
		Any: map[string]any{
			"str": "text", "int": 3, "nil": nil, "list": []any{1, "two", nil, 4.5},
			"map": map[string]any{"inner": "deep"}, "counter": counter{N: 2},
		},
		Ints:      []int{3, 1, 2},
		Array:     [3]string{"a", "b", "c"},
		Int64:     -7,
		Uint:      200,
		Float:     2.5,
		Complex:   complex(1, 2),
		Bool:      true,
		Iface:     7,
		Stringer:  counter{N: 5},
		Counter:   counter{N: 3},
		Counters:  []counter{{N: 1}, {N: 2}},
		PStr:      pointerStringer{S: "p"},
		PStrs:     []pointerStringer{{S: "x"}, {S: "y"}},
		IntMap:    map[int]string{10: "ten", -1: "minus one", 2: "two"},
		LabelMap:  map[label]int{"b": 2, "a": 1},
		Bytes:     []byte("bytes"),
		Err:       errors.New("boom"),
		Label:     "lbl",
		StrPtr:    &s,
		hidden:    "secret",
		Nested:    map[string]map[string]string{"a": {"b": "c"}},
		BoolMap:   map[bool]string{true: "yes", false: "no"},
		FloatKeys: map[float64]string{2.5: "b", -1: "a"},
	}
}

// oracle runs text/template the way Flux does.
func oracle(text string, data any) (out string, parseErr, execErr error) {
	t, err := template.New("msg").Option("missingkey=zero").Parse(text)
	if err != nil {
		return "", err, nil
	}
	var b strings.Builder
	err = t.Execute(&b, data)
	return b.String(), nil, err
}

// ours runs this package with the given limits (the defaults when zero).
func ours(text string, data any, methods []Method, l limits) (out string, parseErr, execErr error) {
	t, err := Parse("msg", text, NewMethods(methods...))
	if err != nil {
		return "", err, nil
	}
	if l != (limits{}) {
		t.limits = l
	}
	var b strings.Builder
	err = t.Execute(&b, data)
	return b.String(), nil, err
}

// unlistedMethodNames are the exported method names of the test data's types (and their
// pointer types) that the table does not provide for that type: text/template finds them,
// this package, by design, does not.
func unlistedMethodNames(methods []Method) map[string]bool {
	listed := map[reflect.Type]map[string]bool{}
	for _, m := range methods {
		if listed[m.receiver] == nil {
			listed[m.receiver] = map[string]bool{}
		}
		listed[m.receiver][m.name] = true
	}
	out := map[string]bool{}
	for _, t := range []reflect.Type{
		reflect.TypeFor[commitData](), reflect.TypeFor[kitchen](), reflect.TypeFor[update.Result](),
		reflect.TypeFor[update.ObjectIdentifier](), reflect.TypeFor[update.Change](),
		reflect.TypeFor[update.SkippedFile](), reflect.TypeFor[types.NamespacedName](),
		reflect.TypeFor[counter](), reflect.TypeFor[pointerStringer](), reflect.TypeFor[label](),
		reflect.TypeOf(errors.New("")).Elem(),
	} {
		for _, tt := range []reflect.Type{t, reflect.PointerTo(t)} {
			for i := range tt.NumMethod() {
				name := tt.Method(i).Name
				if !listed[t][name] && !listed[reflect.PointerTo(t)][name] {
					out[name] = true
				}
			}
		}
	}
	// error values are reached through the error interface.
	out["Error"] = true
	return out
}
