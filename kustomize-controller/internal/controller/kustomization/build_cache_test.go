package kustomization

import (
	"fmt"
	"reflect"
	"runtime"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// cacheObjects are n ConfigMaps and one Deployment, shaped as a build hands them over.
func cacheObjects(n int) []*unstructured.Unstructured {
	objs := []*unstructured.Unstructured{{Object: map[string]any{
		"apiVersion": "apps/v1", "kind": "Deployment",
		"metadata": map[string]any{"name": "app", "namespace": "ns", "labels": map[string]any{"app": "x"}},
		"spec": map[string]any{"replicas": int64(0), "revisionHistoryLimit": int64(9007199254740993), // beyond float64 precision
			"template": map[string]any{"spec": map[string]any{"containers": []any{
				map[string]any{"name": "c", "image": "nginx:1.27", "resources": map[string]any{"limits": map[string]any{"cpu": 0.5}}},
			}}}},
	}}}
	for i := range n {
		objs = append(objs, &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "v1", "kind": "ConfigMap",
			"metadata": map[string]any{"name": fmt.Sprintf("cm-%05d", i), "namespace": "ns",
				"labels": map[string]any{"kustomize.toolkit.fluxcd.io/name": "k", "kustomize.toolkit.fluxcd.io/namespace": "ns"}},
			"data": map[string]any{"key": fmt.Sprintf("value-%d", i), "version": "v1"},
		}})
	}
	return objs
}

// TestBuildCacheEncoding: what the cache gives back equals what it was given, JSON types
// included (integers stay int64, even those a float64 cannot hold), and is a copy.
func TestBuildCacheEncoding(t *testing.T) {
	in := cacheObjects(3)
	data, err := encodeObjects(in)
	if err != nil {
		t.Fatal(err)
	}
	out, err := decodeObjects(data)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, out) {
		t.Fatalf("decoded objects differ:\n got %v\nwant %v", out, in)
	}
	out[1].SetName("changed")
	if in[1].GetName() != "cm-00000" {
		t.Error("the decoded objects share memory with the originals")
	}
	if _, err := decodeObjects([]byte(`[1]`)); err == nil {
		t.Error("a non-object item must be refused")
	}
}

// retained reports the heap bytes and objects make keeps reachable.
func retained(make func() any) (bytes, objects uint64, keep any) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	keep = make()
	runtime.GC()
	runtime.ReadMemStats(&after)
	return after.HeapAlloc - before.HeapAlloc, after.HeapObjects - before.HeapObjects, keep
}

// BenchmarkBuildCache compares the two forms a cached build of 1,000 ConfigMaps can take: the
// objects themselves (deep-copied in and out) and one JSON array (encoded in, decoded out). It
// reports the heap bytes and objects one cache entry keeps, and times a lookup.
func BenchmarkBuildCache(b *testing.B) {
	objs := cacheObjects(1000)
	deepCopy := func(in []*unstructured.Unstructured) []*unstructured.Unstructured {
		out := make([]*unstructured.Unstructured, len(in))
		for i, o := range in {
			out[i] = o.DeepCopy()
		}
		return out
	}
	b.Run("objects", func(b *testing.B) {
		bytes, objects, keep := retained(func() any { return deepCopy(objs) })
		stored := keep.([]*unstructured.Unstructured)
		for b.Loop() {
			_ = deepCopy(stored)
		}
		b.ReportMetric(float64(bytes), "retained-B")
		b.ReportMetric(float64(objects), "retained-objects")
	})
	b.Run("encoded", func(b *testing.B) {
		bytes, objects, keep := retained(func() any {
			data, err := encodeObjects(objs)
			if err != nil {
				b.Fatal(err)
			}
			return data
		})
		stored := keep.([]byte)
		for b.Loop() {
			if _, err := decodeObjects(stored); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(bytes), "retained-B")
		b.ReportMetric(float64(objects), "retained-objects")
	})
}
