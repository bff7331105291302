package main

import (
	"encoding/json"
	"testing"
	"time"

	kustomizev1 "github.com/eddy-gitops/eddy/api/kustomize/v1"
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

func TestCostStatus(t *testing.T) {
	var patch struct {
		Status kustomizev1.KustomizationStatus `json:"status"`
	}
	if err := json.Unmarshal(costStatus("ns", "cost-00001", "second"), &patch); err != nil {
		t.Fatal(err)
	}
	st := patch.Status
	if st.Inventory == nil || len(st.Inventory.Entries) != 4 || st.Inventory.Entries[0].ID != "ns_cost-00001_apps_Deployment" ||
		len(st.Conditions) != 1 || st.Conditions[0].Type != "Ready" || st.LastHandledReconcileAt != "second" {
		t.Errorf("status = %+v", st)
	}
}
