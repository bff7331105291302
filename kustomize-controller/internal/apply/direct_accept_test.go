package apply

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	apimeta "k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// TestApplyOne_AcceptFallback: applyOne asks for the result as PartialObjectMetadata; a server
// that cannot answer so refuses with 406 before applying, and the object is applied again with
// the whole object read back. No API server of the test environment refuses that media type
// (aggregated API servers may), so this test serves the one endpoint itself: it checks the
// client's side of the exchange, not an API server's behaviour.
func TestApplyOne_AcceptFallback(t *testing.T) {
	for _, tt := range []struct {
		name        string
		refuseMeta  bool
		wantAccepts int // requests sent
	}{
		{name: "metadata answered", wantAccepts: 1},
		{name: "metadata refused", refuseMeta: true, wantAccepts: 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			var accepts []string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				accepts = append(accepts, r.Header.Get("Accept"))
				mu.Unlock()
				if r.Method != http.MethodPatch || r.URL.Path != "/api/v1/namespaces/apps/configmaps/x" ||
					r.Header.Get("Content-Type") != "application/apply-patch+yaml" || r.URL.Query().Get("fieldManager") == "" {
					http.Error(w, "unexpected request "+r.Method+" "+r.URL.String(), http.StatusBadRequest)
					return
				}
				meta := strings.Contains(r.Header.Get("Accept"), "as=PartialObjectMetadata")
				w.Header().Set("Content-Type", "application/json")
				switch {
				case meta && tt.refuseMeta:
					w.WriteHeader(http.StatusNotAcceptable)
					_, _ = w.Write([]byte(`{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotAcceptable","code":406}`))
				case meta:
					_, _ = w.Write([]byte(`{"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/v1","metadata":{"name":"x","namespace":"apps","resourceVersion":"7","managedFields":[{"manager":"kustomize-controller","operation":"Apply"}]}}`))
				default:
					_, _ = w.Write([]byte(`{"kind":"ConfigMap","apiVersion":"v1","metadata":{"name":"x","namespace":"apps","resourceVersion":"7","managedFields":[{"manager":"kustomize-controller","operation":"Apply"}]},"data":{"k":"v"}}`))
				}
			}))
			defer srv.Close()
			mapper := apimeta.NewDefaultRESTMapper(nil)
			mapper.Add(schema.GroupVersionKind{Version: "v1", Kind: "ConfigMap"}, apimeta.RESTScopeNamespace)
			c, err := client.New(&rest.Config{Host: srv.URL}, client.Options{Scheme: scheme.Scheme, Mapper: mapper})
			if err != nil {
				t.Fatal(err)
			}
			m := &Manager{c: c}
			obj := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "ConfigMap",
				"metadata": map[string]any{"name": "x", "namespace": "apps"}, "data": map[string]any{"k": "v"}}}
			applied, err := m.applyOne(t.Context(), obj)
			if err != nil {
				t.Fatalf("applyOne: %v (requests: %q)", err, accepts)
			}
			if applied.GetResourceVersion() != "7" || len(applied.GetManagedFields()) != 1 || foreignManagers(applied) {
				t.Errorf("applied metadata = %+v", applied.ObjectMeta)
			}
			if len(accepts) != tt.wantAccepts {
				t.Fatalf("%d requests (Accept %q), want %d", len(accepts), accepts, tt.wantAccepts)
			}
			if tt.refuseMeta && strings.Contains(accepts[1], "PartialObjectMetadata") {
				t.Errorf("the retry asked for metadata again: %q", accepts[1])
			}
		})
	}
}
