package schema

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	k8sschema "k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/openapi"
	"k8s.io/kube-openapi/pkg/spec3"
	"k8s.io/kube-openapi/pkg/validation/spec"
	"k8s.io/kube-openapi/pkg/validation/strfmt"
	"k8s.io/kube-openapi/pkg/validation/validate"
)

// Cache holds the schemas of one cluster: the OpenAPI v3 documents of built-in group-versions
// and the schemas of CRDs.
//
// A document is kept with the URL it was fetched from. The API server publishes that URL in
// its /openapi/v3 index with a hash of the document's content ("...?hash="), and a document
// is reused only while the index shows the same URL. That is reliable for built-in kinds (they
// change with a server upgrade), not for custom resources: behind kube-aggregator the index
// can keep showing the old hash of a CRD's group after the CRD changed (measured with
// kube-apiserver 1.37: the document behind the old URL is new, its hash in the index is not),
// and the API server publishes a changed CRD's schema with a delay anyway. Custom resources are
// therefore checked against the CRD itself, read per validation and cached by its
// resourceVersion (CRD), which is exactly what the API server validates them against.
type Cache struct {
	client openapi.ClientWithContext
	// IndexTTL is how long an Index is reused before the index is read again (0: every time).
	// The index serves only the core group-version (ConfigMap, Secret, ObjectMeta), whose
	// schemas change when the API server is upgraded, not when a CRD changes: custom resources
	// are checked against their CRD. NewCache sets DefaultIndexTTL.
	IndexTTL time.Duration

	// kinds, when set, are the only built-in kinds Schema is asked for (see NewCache).
	kinds map[k8sschema.GroupVersionKind]bool

	mu      sync.Mutex
	index   *Index
	indexAt time.Time
	docs    map[string]*document  // by index path: "api/v1", "apis/<group>/<version>"
	crds    map[string]crdSchemas // by CRD name
}

type crdSchemas struct {
	resourceVersion string
	schemas         map[k8sschema.GroupVersionKind]*spec.Schema
}

// DefaultIndexTTL spares the index request of every reconcile but the first in 30 seconds.
const DefaultIndexTTL = 30 * time.Second

// NewCache returns a Cache reading from the server's /openapi/v3 endpoint through c. With
// kinds, a fetched document keeps only the resolved schemas of those kinds and of ObjectMeta,
// and Schema answers nil for the others: the parsed core/v1 document alone holds about 5 MB,
// which a controller would otherwise keep for good. Without kinds every kind of a document
// can be asked for.
func NewCache(c openapi.Client, kinds ...k8sschema.GroupVersionKind) *Cache {
	cache := &Cache{client: openapi.ToClientWithContext(c), IndexTTL: DefaultIndexTTL,
		docs: map[string]*document{}, crds: map[string]crdSchemas{}}
	if len(kinds) > 0 {
		cache.kinds = map[k8sschema.GroupVersionKind]bool{}
		for _, k := range kinds {
			cache.kinds[k] = true
		}
	}
	return cache
}

// CRD returns the schemas of a CRD read from the cluster (FromCRD), parsed once per
// resourceVersion: any change of the CRD, or its deletion and re-creation, changes it.
func (c *Cache) CRD(crd *unstructured.Unstructured, objectMeta *spec.Schema) (map[k8sschema.GroupVersionKind]*spec.Schema, error) {
	c.mu.Lock()
	e, ok := c.crds[crd.GetName()]
	c.mu.Unlock()
	if ok && e.resourceVersion == crd.GetResourceVersion() && crd.GetResourceVersion() != "" {
		return e.schemas, nil
	}
	schemas, err := FromCRD(crd, objectMeta)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.crds[crd.GetName()] = crdSchemas{resourceVersion: crd.GetResourceVersion(), schemas: schemas}
	c.mu.Unlock()
	return schemas, nil
}

// document is one fetched group-version document. Its kinds are resolved on first use, or,
// when the Cache names its kinds, resolved at once and the rest of the document dropped (raw
// and refs are then nil).
type document struct {
	url        string
	refs       resolver
	raw        map[k8sschema.GroupVersionKind]*spec.Schema
	resolved   map[k8sschema.GroupVersionKind]*spec.Schema
	objectMeta *spec.Schema // resolved; nil when the document has no ObjectMeta component
}

// Index is the server's /openapi/v3 index as read at one moment (one request): which
// group-versions publish a document, and the hash of each. A validation reads one Index and
// asks it for every kind, so all its answers describe the same state of the server.
type Index struct {
	c     *Cache
	paths map[string]openapi.GroupVersionWithContext
}

// Index returns the /openapi/v3 index, read at most IndexTTL ago.
func (c *Cache) Index(ctx context.Context) (*Index, error) {
	c.mu.Lock()
	if c.index != nil && time.Since(c.indexAt) < c.IndexTTL {
		ix := c.index
		c.mu.Unlock()
		return ix, nil
	}
	c.mu.Unlock()
	paths, err := c.client.PathsWithContext(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the OpenAPI v3 index: %w", err)
	}
	ix := &Index{c: c, paths: paths}
	c.mu.Lock()
	c.index, c.indexAt = ix, time.Now()
	c.mu.Unlock()
	return ix, nil
}

// Schema returns the resolved schema of gvk, or nil when the server publishes none for it.
func (ix *Index) Schema(ctx context.Context, gvk k8sschema.GroupVersionKind) (*spec.Schema, error) {
	d, err := ix.document(ctx, gvk.GroupVersion())
	if err != nil || d == nil {
		return nil, err
	}
	ix.c.mu.Lock()
	defer ix.c.mu.Unlock()
	if s, ok := d.resolved[gvk]; ok {
		return s, nil
	}
	raw, ok := d.raw[gvk] // nil map once trimmed: not a kept kind
	if !ok {
		return nil, nil
	}
	s := d.refs.resolve(raw, nil)
	d.resolved[gvk] = s
	return s, nil
}

// ObjectMeta returns the resolved schema of metadata (ObjectMeta) from the core document, or
// nil when the server publishes none: the metadata of custom resources is checked against it.
func (ix *Index) ObjectMeta(ctx context.Context) (*spec.Schema, error) {
	d, err := ix.document(ctx, k8sschema.GroupVersion{Version: "v1"})
	if err != nil || d == nil {
		return nil, err
	}
	return d.objectMeta, nil
}

const objectMetaComponent = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"

// document returns the current document of gv, fetching it when the index shows a different
// URL (content hash) than the cached one; nil when the server publishes none.
func (ix *Index) document(ctx context.Context, gv k8sschema.GroupVersion) (*document, error) {
	path := "apis/" + gv.Group + "/" + gv.Version
	if gv.Group == "" {
		path = "api/" + gv.Version
	}
	entry, ok := ix.paths[path]
	if !ok {
		return nil, nil
	}
	url := entry.ServerRelativeURL()
	ix.c.mu.Lock()
	defer ix.c.mu.Unlock()
	// Without a hash in the URL nothing tells a changed document apart: fetch it every time.
	if d := ix.c.docs[path]; d != nil && d.url == url && strings.Contains(url, "hash=") {
		return d, nil
	}
	b, err := entry.SchemaWithContext(ctx, runtime.ContentTypeJSON)
	if err != nil {
		return nil, fmt.Errorf("fetching the OpenAPI v3 schema of %s: %w", gv, err)
	}
	var doc spec3.OpenAPI
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("parsing the OpenAPI v3 schema of %s: %w", gv, err)
	}
	d := &document{url: url, raw: map[k8sschema.GroupVersionKind]*spec.Schema{},
		resolved: map[k8sschema.GroupVersionKind]*spec.Schema{}}
	if doc.Components != nil {
		d.refs = resolver{components: doc.Components.Schemas}
		for _, s := range doc.Components.Schemas {
			for _, k := range gvksOf(s) {
				if k.GroupVersion() == gv {
					d.raw[k] = s
				}
			}
		}
		if raw, ok := d.refs.components[objectMetaComponent]; ok {
			d.objectMeta = d.refs.resolve(raw, nil)
		}
	}
	if ix.c.kinds != nil {
		for k, raw := range d.raw {
			if ix.c.kinds[k] {
				d.resolved[k] = d.refs.resolve(raw, nil)
			}
		}
		d.raw, d.refs = nil, resolver{}
	}
	ix.c.docs[path] = d
	return d, nil
}

// gvksOf reads the x-kubernetes-group-version-kind extension of a component schema.
func gvksOf(s *spec.Schema) []k8sschema.GroupVersionKind {
	raw, ok := s.Extensions["x-kubernetes-group-version-kind"]
	if !ok {
		return nil
	}
	b, err := json.Marshal(raw)
	if err != nil {
		return nil
	}
	var list []struct{ Group, Version, Kind string }
	if json.Unmarshal(b, &list) != nil {
		return nil
	}
	out := make([]k8sschema.GroupVersionKind, 0, len(list))
	for _, e := range list {
		out = append(out, k8sschema.GroupVersionKind{Group: e.Group, Version: e.Version, Kind: e.Kind})
	}
	return out
}

// FromCRD returns the schemas a CustomResourceDefinition manifest declares, by kind, so that
// custom resources applied in the same revision as their CRD can be checked before either is
// written. Versions without a schema are left out. objectMeta (Index.ObjectMeta; nil: any
// metadata) is what the API server checks every custom resource's metadata against.
func FromCRD(crd *unstructured.Unstructured, objectMeta *spec.Schema) (map[k8sschema.GroupVersionKind]*spec.Schema, error) {
	group, _, _ := unstructured.NestedString(crd.Object, "spec", "group")
	kind, _, _ := unstructured.NestedString(crd.Object, "spec", "names", "kind")
	versions, _, _ := unstructured.NestedSlice(crd.Object, "spec", "versions")
	out := map[k8sschema.GroupVersionKind]*spec.Schema{}
	for _, v := range versions {
		vm, ok := v.(map[string]any)
		if !ok {
			continue
		}
		name, _ := vm["name"].(string)
		raw, found, _ := unstructured.NestedMap(vm, "schema", "openAPIV3Schema")
		if !found {
			continue
		}
		b, err := json.Marshal(raw)
		if err != nil {
			return nil, err
		}
		s := &spec.Schema{}
		if err := json.Unmarshal(b, s); err != nil {
			return nil, fmt.Errorf("CustomResourceDefinition/%s: version %s: invalid openAPIV3Schema: %w", crd.GetName(), name, err)
		}
		// apiVersion, kind and metadata are implied by the API server for every custom resource.
		// The CRD may only constrain metadata.name and generateName; the rest is ObjectMeta.
		var crdMeta *spec.Schema
		if s.Properties != nil {
			for _, f := range []string{"apiVersion", "kind"} {
				if _, ok := s.Properties[f]; !ok {
					s.Properties[f] = spec.Schema{}
				}
			}
			if m, ok := s.Properties["metadata"]; ok {
				crdMeta = &m
			}
			s.Properties["metadata"] = spec.Schema{}
		}
		resolved := resolver{}.resolve(s, nil)
		if resolved.Properties != nil {
			resolved.Properties["metadata"] = metadataSchema(objectMeta, crdMeta)
		}
		out[k8sschema.GroupVersionKind{Group: group, Version: name, Kind: kind}] = resolved
	}
	return out, nil
}

// metadataSchema combines ObjectMeta with the CRD's own metadata constraints, which are kept
// open (not closed like the rest of the CRD schema): they list only name and generateName.
func metadataSchema(objectMeta, crdMeta *spec.Schema) spec.Schema {
	var all []spec.Schema
	if objectMeta != nil {
		all = append(all, *objectMeta)
	}
	if crdMeta != nil {
		all = append(all, *crdMeta)
	}
	switch len(all) {
	case 0:
		return spec.Schema{}
	case 1:
		return all[0]
	default:
		return spec.Schema{SchemaProps: spec.SchemaProps{AllOf: all}}
	}
}

// Validate checks obj against s and returns one line per problem, naming the field, sorted.
// Null values are dropped first: server-side apply treats them as unset.
func Validate(s *spec.Schema, obj *unstructured.Unstructured) []string {
	data := dropNulls(obj.UnstructuredContent())
	res := validate.NewSchemaValidator(s, nil, "", strfmt.Default).Validate(data)
	if res == nil || res.IsValid() {
		return nil
	}
	seen := map[string]bool{}
	var out []string
	for _, e := range res.Errors {
		msg := strings.TrimPrefix(e.Error(), ".")
		if strings.Contains(msg, "must validate all the schemas (allOf)") && len(res.Errors) > 1 {
			continue // a summary of the errors listed next to it
		}
		if !seen[msg] {
			seen[msg] = true
			out = append(out, msg)
		}
	}
	sort.Strings(out)
	return out
}

func dropNulls(in map[string]any) map[string]any {
	out := make(map[string]any, len(in))
	for k, v := range in {
		if v == nil {
			continue
		}
		out[k] = dropNullsValue(v)
	}
	return out
}

func dropNullsValue(v any) any {
	switch t := v.(type) {
	case map[string]any:
		return dropNulls(t)
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = dropNullsValue(e)
		}
		return out
	default:
		return v
	}
}
