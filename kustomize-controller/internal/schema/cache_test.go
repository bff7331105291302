package schema

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	k8sschema "k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"
)

// openAPIServer serves an /openapi/v3 index and one core/v1 document on 127.0.0.1, counting
// the document downloads.
type openAPIServer struct {
	mu        sync.Mutex
	dataType  string // type of ConfigMap.data values in the document
	hash      string // "" publishes the URL without a hash
	downloads int
}

func (s *openAPIServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	switch r.URL.Path {
	case "/openapi/v3":
		url := "/openapi/v3/api/v1"
		if s.hash != "" {
			url += "?hash=" + s.hash
		}
		fmt.Fprintf(w, `{"paths":{"api/v1":{"serverRelativeURL":%q}}}`, url)
	case "/openapi/v3/api/v1":
		s.downloads++
		fmt.Fprintf(w, `{"openapi":"3.0.0","info":{"title":"t","version":"v1"},"components":{"schemas":{
			"io.k8s.api.core.v1.ConfigMap":{"type":"object","x-kubernetes-group-version-kind":[{"group":"","version":"v1","kind":"ConfigMap"}],
				"properties":{"apiVersion":{"type":"string"},"kind":{"type":"string"},"metadata":{"type":"object"},
					"data":{"type":"object","additionalProperties":{"type":%q}}}}}}}`, s.dataType)
	default:
		http.NotFound(w, r)
	}
}

func (s *openAPIServer) set(dataType, hash string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dataType, s.hash = dataType, hash
}

// TestIndexFollowsTheHash: a document is downloaded again exactly when the index shows a new
// hash for it (or none at all), so a schema the server changed is never used stale, and an
// unchanged one costs no download.
func TestIndexFollowsTheHash(t *testing.T) {
	cmGVK := k8sschema.GroupVersionKind{Version: "v1", Kind: "ConfigMap"}
	cm := mustObj(t, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {k: v}\n")
	tests := []struct {
		name          string
		dataType      string
		hash          string
		wantDownloads int // in total, after this step
		wantValid     bool
	}{
		{name: "first use downloads", dataType: "string", hash: "A", wantDownloads: 1, wantValid: true},
		{name: "same hash reuses", dataType: "string", hash: "A", wantDownloads: 1, wantValid: true},
		{name: "new hash downloads the new schema", dataType: "integer", hash: "B", wantDownloads: 2, wantValid: false},
		{name: "no hash downloads every time", dataType: "string", hash: "", wantDownloads: 3, wantValid: true},
		{name: "still no hash", dataType: "string", hash: "", wantDownloads: 4, wantValid: true},
	}
	srv := &openAPIServer{}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	disc, err := discovery.NewDiscoveryClientForConfig(&rest.Config{Host: ts.URL})
	if err != nil {
		t.Fatal(err)
	}
	cache := NewCache(disc.OpenAPIV3())
	cache.IndexTTL = 0 // read the index on every call, to see each hash change
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv.set(tt.dataType, tt.hash)
			ix, err := cache.Index(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			s, err := ix.Schema(t.Context(), cmGVK)
			if err != nil || s == nil {
				t.Fatalf("Schema() = %v, %v", s, err)
			}
			problems := Validate(s, cm)
			if valid := len(problems) == 0; valid != tt.wantValid {
				t.Errorf("valid = %v (%q), want %v", valid, problems, tt.wantValid)
			}
			if got := srv.downloads; got != tt.wantDownloads {
				t.Errorf("downloads = %d, want %d", got, tt.wantDownloads)
			}
			if missing, _ := ix.Schema(t.Context(), k8sschema.GroupVersionKind{Group: "apps", Version: "v1", Kind: "Deployment"}); missing != nil {
				t.Errorf("schema of an unpublished group-version: %v", missing)
			}
		})
	}
}

// TestCRDCacheFollowsResourceVersion: the schemas of a CRD read from the cluster are parsed
// again when its resourceVersion changes, never served from an older version.
func TestCRDCacheFollowsResourceVersion(t *testing.T) {
	cache := NewCache(nil)
	gvk := k8sschema.GroupVersionKind{Group: "example.com", Version: "v1", Kind: "Thing"}
	thing := mustObj(t, "apiVersion: example.com/v1\nkind: Thing\nmetadata: {name: a, namespace: b}\nspec: {size: 2, shape: round}\n")
	v1 := mustObj(t, crd)
	v1.SetResourceVersion("1")
	v2 := mustObj(t, strings.Replace(crd, "              size: {type: integer, minimum: 1}\n",
		"              size: {type: integer, minimum: 1}\n              shape: {type: string}\n", 1))
	v2.SetResourceVersion("2")
	for i, step := range []struct {
		rv        string
		wantValid bool
	}{{"1", false}, {"2", true}, {"1", false}} {
		obj := v1
		if step.rv == "2" {
			obj = v2
		}
		schemas, err := cache.CRD(obj, nil)
		if err != nil {
			t.Fatal(err)
		}
		if valid := len(Validate(schemas[gvk], thing)) == 0; valid != step.wantValid {
			t.Errorf("step %d (resourceVersion %s): valid = %v, want %v", i, step.rv, valid, step.wantValid)
		}
	}
}

// TestIndexTTL: within IndexTTL the index is not read again (one request per reconcile saved);
// after it, it is.
func TestIndexTTL(t *testing.T) {
	srv := &openAPIServer{}
	srv.set("string", "h1")
	ts := httptest.NewServer(srv)
	defer ts.Close()
	disc, err := discovery.NewDiscoveryClientForConfig(&rest.Config{Host: ts.URL})
	if err != nil {
		t.Fatal(err)
	}
	cache := NewCache(disc.OpenAPIV3())
	first, err := cache.Index(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	again, _ := cache.Index(t.Context())
	if again != first {
		t.Error("the index was read again within the TTL")
	}
	cache.IndexTTL = 0
	if later, _ := cache.Index(t.Context()); later == first {
		t.Error("the index was not read again after the TTL")
	}
}

// TestCacheKeepsOnlyItsKinds: a Cache that names its kinds keeps their resolved schemas and
// ObjectMeta's, answers nil for the other kinds of the document, and drops the document itself
// (the parsed core/v1 document holds about 5 MB).
func TestCacheKeepsOnlyItsKinds(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/openapi/v3":
			fmt.Fprint(w, `{"paths":{"api/v1":{"serverRelativeURL":"/openapi/v3/api/v1?hash=A"}}}`)
		case "/openapi/v3/api/v1":
			fmt.Fprint(w, `{"openapi":"3.0.0","info":{"title":"t","version":"v1"},"components":{"schemas":{
				"io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta":{"type":"object","properties":{"name":{"type":"string"},"labels":{"type":"object","additionalProperties":{"type":"string"}}}},
				"io.k8s.api.core.v1.ConfigMap":{"type":"object","x-kubernetes-group-version-kind":[{"group":"","version":"v1","kind":"ConfigMap"}],
					"properties":{"apiVersion":{"type":"string"},"kind":{"type":"string"},"metadata":{"$ref":"#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"},
						"data":{"type":"object","additionalProperties":{"type":"string"}}}},
				"io.k8s.api.core.v1.Pod":{"type":"object","x-kubernetes-group-version-kind":[{"group":"","version":"v1","kind":"Pod"}],
					"properties":{"metadata":{"$ref":"#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"}}}}}}`)
		default:
			http.NotFound(w, r)
		}
	}))
	defer ts.Close()
	disc, err := discovery.NewDiscoveryClientForConfig(&rest.Config{Host: ts.URL})
	if err != nil {
		t.Fatal(err)
	}
	cmGVK := k8sschema.GroupVersionKind{Version: "v1", Kind: "ConfigMap"}
	podGVK := k8sschema.GroupVersionKind{Version: "v1", Kind: "Pod"}
	for _, tt := range []struct {
		name    string
		kinds   []k8sschema.GroupVersionKind
		wantPod bool
		trimmed bool
	}{
		{name: "every kind", wantPod: true},
		{name: "ConfigMap only", kinds: []k8sschema.GroupVersionKind{cmGVK}, trimmed: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cache := NewCache(disc.OpenAPIV3(), tt.kinds...)
			ix, err := cache.Index(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			cm, err := ix.Schema(t.Context(), cmGVK)
			if err != nil || cm == nil {
				t.Fatalf("ConfigMap schema = %v, %v", cm, err)
			}
			bad := mustObj(t, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, labels: {k: 1}}\ndata: {k: 2}\n")
			if problems := Validate(cm, bad); len(problems) != 2 {
				t.Errorf("problems of a ConfigMap with a numeric label and value = %q, want 2 (its $ref to ObjectMeta resolved)", problems)
			}
			if pod, _ := ix.Schema(t.Context(), podGVK); (pod != nil) != tt.wantPod {
				t.Errorf("Pod schema present = %v, want %v", pod != nil, tt.wantPod)
			}
			if meta, err := ix.ObjectMeta(t.Context()); err != nil || meta == nil || meta.Properties["labels"].AdditionalProperties == nil {
				t.Errorf("ObjectMeta = %v, %v", meta, err)
			}
			d := cache.docs["api/v1"]
			if trimmed := d.raw == nil && d.refs.components == nil; trimmed != tt.trimmed {
				t.Errorf("document trimmed = %v, want %v", trimmed, tt.trimmed)
			}
		})
	}
}
