package controllertest

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/eddy-gitops/eddy/pkg/testenv"
)

// WaitFor waits until obj (read again from c under key) has a Ready condition with the status
// and reason and every check passes, and returns obj as last read.
//
// When waiting for Ready=True, complete must also hold: the reconcilers patch the conditions and
// the other status fields separately, so Ready can be seen before, for example, the latest tag
// or the observed generation. The failure message shows the last condition or status seen.
func WaitFor[T conditions.Getter](t *testing.T, c client.Client, key client.ObjectKey, obj T,
	status metav1.ConditionStatus, reason string, complete func(T) bool, check ...func(T) bool) T {
	t.Helper()
	NewWithT(t).Eventually(func() string {
		if err := c.Get(t.Context(), key, obj); err != nil {
			return err.Error()
		}
		cond := conditions.Get(obj, meta.ReadyCondition)
		if cond == nil {
			return "no Ready condition"
		}
		if cond.Status != status || cond.Reason != reason {
			return fmt.Sprintf("Ready=%s/%s: %s", cond.Status, cond.Reason, cond.Message)
		}
		if status == metav1.ConditionTrue && !complete(obj) {
			return "status not complete yet"
		}
		for _, ok := range check {
			if !ok(obj) {
				return fmt.Sprintf("check failed, status: %+v", statusOf(obj))
			}
		}
		return ""
	}, 30*time.Second, 100*time.Millisecond).Should(BeEmpty())
	return obj
}

// Events returns "Type/Reason: message" of every event recorded in ns for the object of kind
// and name.
func Events(t *testing.T, c client.Client, kind, ns, name string) []string {
	t.Helper()
	events, err := testenv.EventsFor(t.Context(), c, kind, ns, name)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range events {
		out = append(out, e.Type+"/"+e.Reason+": "+e.Message)
	}
	return out
}

// statusOf returns the Status field of an API object (a pointer to a struct), which says more
// than the whole object with its managed fields when a check fails.
func statusOf(obj any) any {
	v := reflect.ValueOf(obj)
	if v.Kind() == reflect.Pointer && v.Elem().Kind() == reflect.Struct {
		if f := v.Elem().FieldByName("Status"); f.IsValid() {
			return f.Interface()
		}
	}
	return obj
}
