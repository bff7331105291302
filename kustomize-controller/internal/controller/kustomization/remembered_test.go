package kustomization

import (
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	kustomizev1 "github.com/eddy-gitops/eddy/api/kustomize/v1"
)

func TestInventoryDigest(t *testing.T) {
	inv := func(entries ...string) *kustomizev1.ResourceInventory {
		out := &kustomizev1.ResourceInventory{Entries: []kustomizev1.ResourceRef{}}
		for i := 0; i < len(entries); i += 2 {
			out.Entries = append(out.Entries, kustomizev1.ResourceRef{ID: entries[i], Version: entries[i+1]})
		}
		return out
	}
	base := inventoryDigest(inv("ns_a__ConfigMap", "v1", "ns_b_apps_Deployment", "v1"))
	tests := []struct {
		name string
		inv  *kustomizev1.ResourceInventory
		same bool
	}{
		{"equal entries", inv("ns_a__ConfigMap", "v1", "ns_b_apps_Deployment", "v1"), true},
		{"another order", inv("ns_b_apps_Deployment", "v1", "ns_a__ConfigMap", "v1"), false},
		{"another version", inv("ns_a__ConfigMap", "v1", "ns_b_apps_Deployment", "v1beta1"), false},
		{"an entry less", inv("ns_a__ConfigMap", "v1"), false},
		{"id and version split elsewhere", inv("ns_a__ConfigMap", "v", "1ns_b_apps_Deployment", "v1"), false},
		{"no entries", inv(), false},
		{"no inventory", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := inventoryDigest(tt.inv) == base; got != tt.same {
				t.Errorf("same digest = %v, want %v", got, tt.same)
			}
		})
	}
	if inventoryDigest(nil) != "" || inventoryDigest(inv()) == "" {
		t.Error("no inventory has no digest; an empty one has one")
	}
}

// TestScopeObjs: a remembered set is decoded once, on first use, with owner labels, and what
// summarize keeps of it answers without decoding.
func TestScopeObjs(t *testing.T) {
	objs := []*unstructured.Unstructured{
		{Object: map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "a", "namespace": "ns"}}},
		{Object: map[string]any{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": map[string]any{"name": "b", "namespace": "ns"}}},
	}
	manifests, err := encodeObjects(objs)
	if err != nil {
		t.Fatal(err)
	}
	s := &scope{obj: &kustomizev1.Kustomization{}, remembered: &cachedBuild{manifests: manifests, summary: summarize(objs)}}
	if kinds := s.kinds(); len(kinds) != 2 || kinds[1].Kind != "Deployment" || s.objects != nil {
		t.Fatalf("kinds() = %v, decoded: %v", kinds, s.objects != nil)
	}
	s.obj.Status.Inventory = &kustomizev1.ResourceInventory{Entries: []kustomizev1.ResourceRef{
		{ID: "ns_a__ConfigMap", Version: "v1"}, {ID: "ns_b_apps_Deployment", Version: "v1"}}}
	if !s.inventoryUnchanged() {
		t.Error("the status lists the inventory of the set")
	}
	got, err := s.objs()
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0] == objs[0] || got[1].GetName() != "b" {
		t.Fatalf("objs() = %v", got)
	}
	again, _ := s.objs()
	if &again[0] != &got[0] {
		t.Error("decoded twice")
	}
	if s.inventoryUnchanged() {
		t.Error("once decoded, the inventory is derived from the objects")
	}
}
