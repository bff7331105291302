package inventory

import (
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	kustomizev1 "github.com/eddy-gitops/eddy/api/kustomize/v1"
)

func obj(apiVersion, kind, ns, name string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{}
	u.SetAPIVersion(apiVersion)
	u.SetKind(kind)
	u.SetNamespace(ns)
	u.SetName(name)
	return u
}

func TestFromObjects_IDFormat(t *testing.T) {
	inv := FromObjects([]*unstructured.Unstructured{
		obj("apps/v1", "Deployment", "default", "podinfo"),
		obj("v1", "Namespace", "", "apps"),
		obj("v1", "ConfigMap", "default", "cfg"),
		obj("v1", "ConfigMap", "default", "cfg"), // duplicates collapse
	})
	want := []kustomizev1.ResourceRef{
		{ID: "_apps__Namespace", Version: "v1"},
		{ID: "default_cfg__ConfigMap", Version: "v1"},
		{ID: "default_podinfo_apps_Deployment", Version: "v1"},
	}
	if len(inv.Entries) != len(want) {
		t.Fatalf("got %d entries, want %d: %v", len(inv.Entries), len(want), inv.Entries)
	}
	for i := range want {
		if inv.Entries[i] != want[i] {
			t.Errorf("entry %d = %+v, want %+v", i, inv.Entries[i], want[i])
		}
	}
}

func TestDiff(t *testing.T) {
	old := &kustomizev1.ResourceInventory{Entries: []kustomizev1.ResourceRef{
		{ID: "default_a__ConfigMap", Version: "v1"},
		{ID: "default_b__ConfigMap", Version: "v1"},
		{ID: "default_d_apps_Deployment", Version: "v1beta1"},
	}}
	tests := []struct {
		name    string
		current *kustomizev1.ResourceInventory
		want    []string
	}{
		{"nothing removed", old, nil},
		{"one removed, version change is not a removal", &kustomizev1.ResourceInventory{Entries: []kustomizev1.ResourceRef{
			{ID: "default_a__ConfigMap", Version: "v1"},
			{ID: "default_d_apps_Deployment", Version: "v1"},
		}}, []string{"ConfigMap/default/b"}},
		{"all removed", &kustomizev1.ResourceInventory{}, []string{"ConfigMap/default/a", "ConfigMap/default/b", "Deployment/default/d"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stale, err := Diff(old, tt.current)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, u := range stale {
				got = append(got, u.GetKind()+"/"+u.GetNamespace()+"/"+u.GetName())
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("got %v, want %v", got, tt.want)
				}
			}
		})
	}
	if s, _ := Diff(nil, old); s != nil {
		t.Errorf("no previous inventory must prune nothing, got %v", s)
	}
	if _, err := Diff(&kustomizev1.ResourceInventory{Entries: []kustomizev1.ResourceRef{{ID: "garbage"}}}, nil); err == nil {
		t.Error("an invalid entry must be an error, not a silent skip")
	}
}

func TestObjectsRoundTrip(t *testing.T) {
	inv := FromObjects([]*unstructured.Unstructured{obj("apps/v1", "Deployment", "ns", "d"), obj("rbac.authorization.k8s.io/v1", "ClusterRole", "", "r")})
	objs, err := Objects(inv)
	if err != nil {
		t.Fatal(err)
	}
	if got := FromObjects(objs); len(got.Entries) != 2 || got.Entries[0] != inv.Entries[0] || got.Entries[1] != inv.Entries[1] {
		t.Errorf("round trip changed the inventory: %v -> %v", inv.Entries, got.Entries)
	}
	set, err := MetadataSet(inv)
	if err != nil || len(set) != 2 {
		t.Fatalf("MetadataSet: %v %v", set, err)
	}
}
