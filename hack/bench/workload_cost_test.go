package main

import (
	"testing"
	"time"
)

func TestCostObject(t *testing.T) {
	for _, kind := range []string{"Deployment", "Service", "ConfigMap"} {
		u := costObject(kind, "ns", 7)
		if u.GetKind() != kind || u.GetNamespace() != "ns" || u.GetName() != "cost-00007" {
			t.Errorf("costObject(%s) = %s %s/%s", kind, u.GetKind(), u.GetNamespace(), u.GetName())
		}
	}
}

func TestCostTable(t *testing.T) {
	got := costTable([]costResult{{name: "Event create", perReq: 1250 * time.Microsecond, elapsed: 1500 * time.Millisecond}})
	if len(got.rows) != 1 || got.rows[0][0] != "Event create" || got.rows[0][1] != "1.25 ms" {
		t.Errorf("rows = %q", got.rows)
	}
}
