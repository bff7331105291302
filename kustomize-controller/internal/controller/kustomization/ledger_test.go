package kustomization

import (
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func TestPlanApply(t *testing.T) {
	cm := func(name, value string) *unstructured.Unstructured {
		return &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "ConfigMap",
			"metadata": map[string]any{"name": name, "namespace": "ns"}, "data": map[string]any{"k": value}}}
	}
	a, b := cm("a", "1"), cm("b", "1")
	objs := []*unstructured.Unstructured{a, b}
	desired := hashAll(objs)
	idA, idB := objectID(a), objectID(b)
	same := &applied{hashes: desired}
	changedB := &applied{hashes: map[string]string{idA: desired[idA], idB: "old"}}
	reported := &applied{hashes: desired, drifted: map[string]bool{idA: true}}
	tests := []struct {
		name        string
		prev        *applied
		drift       map[string]bool
		mode        string
		manifests   bool
		wantApply   []string
		wantDrifted []string
	}{
		{name: "no record: everything", prev: nil, mode: "enabled", wantApply: []string{idA, idB}},
		{name: "steady state: nothing", prev: same, mode: "enabled"},
		{name: "changed manifest only", prev: changedB, mode: "enabled", wantApply: []string{idB}},
		{name: "drift corrected", prev: same, drift: map[string]bool{idA: true}, mode: "enabled", wantApply: []string{idA}},
		{name: "drift of an object not in the set ignored", prev: same, drift: map[string]bool{"gone": true}, mode: "enabled"},
		{name: "drift reported in warn mode", prev: same, drift: map[string]bool{idA: true}, mode: "warn", wantDrifted: []string{idA}},
		{name: "reported drift kept while manifests unchanged", prev: reported, mode: "warn", wantDrifted: []string{idA}},
		{name: "reported drift applied with new manifests", prev: reported, mode: "warn", manifests: true, wantApply: []string{idA}},
		{name: "drift ignored when disabled", prev: same, drift: map[string]bool{idA: true}, mode: "disabled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := planApply(objs, desired, tt.prev, tt.drift, tt.mode, tt.manifests)
			var got []string
			for _, o := range p.apply {
				got = append(got, objectID(o))
			}
			if !equal(got, tt.wantApply) {
				t.Errorf("apply = %v, want %v", got, tt.wantApply)
			}
			if !equal(p.drifted, tt.wantDrifted) {
				t.Errorf("drifted = %v, want %v", p.drifted, tt.wantDrifted)
			}
			if p.complete != (len(tt.wantApply) == len(objs)) {
				t.Errorf("complete = %v", p.complete)
			}
		})
	}
}

func TestManifestHashStable(t *testing.T) {
	a := &unstructured.Unstructured{Object: map[string]any{"kind": "ConfigMap", "data": map[string]any{"x": "1", "y": "2"}}}
	b := &unstructured.Unstructured{Object: map[string]any{"data": map[string]any{"y": "2", "x": "1"}, "kind": "ConfigMap"}}
	c := &unstructured.Unstructured{Object: map[string]any{"kind": "ConfigMap", "data": map[string]any{"x": "1", "y": "3"}}}
	if manifestHash(a) != manifestHash(b) {
		t.Error("equal objects must hash equally")
	}
	if manifestHash(a) == manifestHash(c) {
		t.Error("different objects must hash differently")
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
