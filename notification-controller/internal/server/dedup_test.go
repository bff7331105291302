package server

import (
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

func corev1ObjectRef(kind, name, namespace, apiVersion string) corev1.ObjectReference {
	return corev1.ObjectReference{Kind: kind, Name: name, Namespace: namespace, APIVersion: apiVersion}
}

func TestDeduper_ExpiresAndStaysBounded(t *testing.T) {
	now := time.Unix(0, 0)
	d := NewDeduper(time.Minute, 3)
	d.now = func() time.Time { return now }

	if !d.Add("a") || d.Add("a") {
		t.Fatal("a: want new, then duplicate")
	}
	now = now.Add(30 * time.Second)
	d.Add("b")
	now = now.Add(31 * time.Second) // a expired, b not
	if !d.Add("a") {
		t.Error("a after the window: want new")
	}
	if d.Add("b") {
		t.Error("b inside the window: want duplicate")
	}
	for i := range 10 {
		d.Add(fmt.Sprint("k", i))
	}
	if got := d.Len(); got != 3 {
		t.Errorf("Len = %d, want the bound 3", got)
	}
	now = now.Add(2 * time.Minute)
	if got := d.Len(); got != 0 {
		t.Errorf("Len after the window = %d, want 0", got)
	}
}

func TestDeduper_ZeroWindowDisables(t *testing.T) {
	d := NewDeduper(0, 0)
	if !d.Add("x") || !d.Add("x") {
		t.Error("a zero window must accept duplicates")
	}
}
