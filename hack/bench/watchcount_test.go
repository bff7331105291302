package main

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

func TestDoneSet(t *testing.T) {
	cm := func(name, v string) *corev1.ConfigMap {
		return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name}, Data: map[string]string{"v": v}}
	}
	s := newDoneSet(func(o client.Object) bool { return o.(*corev1.ConfigMap).Data["v"] == "done" })
	steps := []struct {
		name    string
		apply   func()
		want    int
		pending string
	}{
		{"a pending object", func() { s.put(cm("a", "")) }, 0, "a"},
		{"it becomes done", func() { s.put(cm("a", "done")) }, 1, ""},
		{"seen done again counts once", func() { s.put(cm("a", "done")) }, 1, ""},
		{"a second, done", func() { s.put(cm("b", "done")) }, 2, ""},
		{"the first goes back to pending", func() { s.put(cm("a", "")) }, 1, "a"},
		{"a pending object deleted", func() { s.remove("a") }, 1, ""},
		{"a done object deleted", func() { s.remove("b") }, 0, ""},
		{"deleting an unknown name changes nothing", func() { s.remove("c") }, 0, ""},
		{"reset", func() { s.put(cm("d", "done")); s.reset() }, 0, ""},
	}
	for _, st := range steps {
		st.apply()
		if s.count != st.want {
			t.Fatalf("%s: count %d, want %d", st.name, s.count, st.want)
		}
		got := ""
		if p := s.pending(); p != nil {
			got = p.GetName()
		}
		if got != st.pending {
			t.Fatalf("%s: pending %q, want %q", st.name, got, st.pending)
		}
	}
}
