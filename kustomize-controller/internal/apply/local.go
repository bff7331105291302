package apply

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	ssautils "github.com/fluxcd/pkg/ssa/utils"
	admissionv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/api/validation/path"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/kube-openapi/pkg/validation/spec"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kschema "github.com/eddy-gitops/eddy/kustomize-controller/internal/schema"
)

// This file is the local validation that replaces the per-object dry-run where it is as strong
// as the server's check: the object's schema (internal/schema: the server's OpenAPI v3 document
// for built-in kinds, the CRD in the same revision, or the CRD in the cluster read for this
// validation), its name, its scope and its namespace. Kinds an admission webhook may look at,
// kinds with CEL rules and kinds without a schema keep the dry-run.

// LocalCheck is what local validation needs from the target cluster.
type LocalCheck struct {
	Schemas *kschema.Cache
	Mapper  apimeta.RESTMapper
	// Webhooks lists the admission webhook configurations; an informer-backed reader spares
	// two list requests per reconcile (nil: the Manager's client, which reads the cluster).
	Webhooks client.Reader
	// Namespaces reads Namespaces; an informer-backed reader spares a request per namespace and
	// reconcile (nil: the Manager's client). A namespace it does not hold is read from the
	// cluster before the set is judged to need it: the cache may not have seen it yet.
	Namespaces client.Reader
}

// SetLocalCheck enables local validation of objects the Lookup does not hold (nil: dry-run
// every object). It only takes effect together with a Lookup.
func (m *Manager) SetLocalCheck(l *LocalCheck) { m.local = l }

// localState is computed once per Validate call: per-set facts every object's check needs.
type localState struct {
	crdSchemas   map[schema.GroupVersionKind]*spec.Schema // of the CRDs in the set, metadata unchecked
	crdScopes    map[schema.GroupVersionKind]string       // spec.scope of the CRDs in the set
	crds         []*unstructured.Unstructured             // the CRDs in the set
	hookedGroups map[string]bool                          // groups an admission webhook may intercept; "*": all
	missingNS    map[string]bool                          // namespaces neither in the cluster nor in the set
	enabled      bool                                     // false: webhooks could not be listed, dry-run everything
	once         sync.Once
	lists        memo[listKey, nameList]             // objects that exist, by kind and namespace
	perList      map[listKey]int                     // objects of the set, by kind and namespace
	rules        memo[schema.GroupVersionKind, bool] // schemas with CEL rules
	prepare      func()                              // fills hookedGroups, missingNS and enabled; nil without a LocalCheck

	// The /openapi/v3 index, read at most once per Validate (so every document is as current
	// as this validation), and the set's CRD schemas with ObjectMeta for their metadata.
	indexOnce  sync.Once
	index      *kschema.Index
	setOnce    sync.Once
	setSchemas map[schema.GroupVersionKind]*spec.Schema
	live       memo[schema.GroupVersionKind, *spec.Schema] // custom resources: from the CRD in the cluster
	sameCRD    memo[schema.GroupVersionKind, bool]         // kinds whose CRD the cluster has as in the set
}

// objectMeta returns the server's ObjectMeta schema, nil if it cannot be read: custom
// resources are then not checked locally (their metadata would go unchecked).
func (m *Manager) objectMeta(ctx context.Context, st *localState) *spec.Schema {
	ix := m.serverIndex(ctx, st)
	if ix == nil {
		return nil
	}
	s, _ := ix.ObjectMeta(ctx)
	return s
}

// serverIndex returns this validation's /openapi/v3 index, nil if it could not be read.
func (m *Manager) serverIndex(ctx context.Context, st *localState) *kschema.Index {
	st.indexOnce.Do(func() {
		if ix, err := m.local.Schemas.Index(ctx); err == nil {
			st.index = ix
		}
	})
	return st.index
}

// setSchema returns the schema of gvk from a CRD in the set, its metadata checked against the
// server's ObjectMeta (nil, not covered, if the server publishes none).
func (m *Manager) setSchema(ctx context.Context, st *localState, gvk schema.GroupVersionKind) *spec.Schema {
	st.setOnce.Do(func() {
		st.setSchemas = map[schema.GroupVersionKind]*spec.Schema{}
		objectMeta := m.objectMeta(ctx, st)
		if objectMeta == nil {
			return // not checked locally: metadata would go unchecked
		}
		for _, crd := range st.crds {
			schemas, err := kschema.FromCRD(crd, objectMeta)
			if err != nil {
				continue // reported by prepareLocal
			}
			for k, s := range schemas {
				st.setSchemas[k] = s
			}
		}
	})
	return st.setSchemas[gvk]
}

type listKey struct {
	gvk       schema.GroupVersionKind
	namespace string
}

// nameList is one metadata list of a kind in a namespace, read at most once per Validate.
type nameList struct {
	names map[string]bool
	ok    bool // false: the list failed
}

// exists reports whether an object named like obj exists (without owner labels, or the Lookup
// would have found it). A kind with more than fewPerList objects of the set in a namespace is
// listed once (metadata only) for all of them; fewer are read one by one, so that one new
// ConfigMap in a namespace of thousands does not list them all. known is false when the
// cluster could not be read.
func (m *Manager) exists(ctx context.Context, st *localState, obj *unstructured.Unstructured) (exists, known bool) {
	k := listKey{gvk: obj.GroupVersionKind(), namespace: obj.GetNamespace()}
	if st.perList[k] <= fewPerList {
		return m.existsOne(ctx, obj)
	}
	l := st.lists.get(k, func() (l nameList) {
		list := &metav1.PartialObjectMetadataList{}
		list.SetGroupVersionKind(k.gvk.GroupVersion().WithKind(k.gvk.Kind + "List"))
		var opts []client.ListOption
		if k.namespace != "" {
			opts = append(opts, client.InNamespace(k.namespace))
		}
		if m.c.List(ctx, list, opts...) != nil {
			return l
		}
		l.names = make(map[string]bool, len(list.Items))
		for _, it := range list.Items {
			l.names[it.Name] = true
		}
		l.ok = true
		return l
	})
	return l.names[obj.GetName()], l.ok
}

// fewPerList is the most objects of one kind and namespace read one by one rather than listed.
const fewPerList = 4

// existsOne reads obj's metadata.
func (m *Manager) existsOne(ctx context.Context, obj *unstructured.Unstructured) (exists, known bool) {
	meta := &metav1.PartialObjectMetadata{}
	meta.SetGroupVersionKind(obj.GroupVersionKind())
	err := m.c.Get(ctx, client.ObjectKeyFromObject(obj), meta)
	switch {
	case err == nil:
		return true, true
	case apierrors.IsNotFound(err) && !isResourceGone(err):
		return false, true
	default:
		return false, false
	}
}

// ready runs prepare once; it reports whether local checks are possible.
func (st *localState) ready() bool {
	if st.prepare == nil {
		return false
	}
	st.once.Do(st.prepare)
	return st.enabled
}

// prepareLocal gathers the per-set facts: CRD schemas from the set, the webhooks registered in
// the cluster (two list requests per reconcile) and which namespaces the objects need that do
// not exist. Server schemas need no invalidation here: every Validate reads the /openapi/v3
// index, whose per-document hashes change when a CRD does.
func (m *Manager) prepareLocal(ctx context.Context, objs []*unstructured.Unstructured, namespaces map[string]bool) (*localState, string) {
	st := &localState{crdSchemas: map[schema.GroupVersionKind]*spec.Schema{}, crdScopes: map[schema.GroupVersionKind]string{}, hookedGroups: map[string]bool{}, missingNS: map[string]bool{}}
	if m.local == nil {
		return st, ""
	}
	var problems []string
	for _, o := range objs {
		if o.GetKind() != "CustomResourceDefinition" || o.GroupVersionKind().Group != "apiextensions.k8s.io" {
			continue
		}
		schemas, err := kschema.FromCRD(o, nil)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		st.crds = append(st.crds, o)
		scope, _, _ := unstructured.NestedString(o.Object, "spec", "scope")
		for gvk, s := range schemas {
			st.crdSchemas[gvk] = s
			st.crdScopes[gvk] = scope
		}
	}
	st.perList = map[listKey]int{}
	for _, o := range objs {
		st.perList[listKey{gvk: o.GroupVersionKind(), namespace: o.GetNamespace()}]++
	}
	st.prepare = func() { st.enabled = m.clusterFacts(ctx, objs, namespaces, st) }
	return st, strings.Join(problems, "\n")
}

// clusterFacts reads, once per Validate and only if some object is checked locally, the
// webhooks (two list requests) and the namespaces the set needs (one request each, or none
// from a cache that holds them). false: they could not be read, so every object is dry-run.
func (m *Manager) clusterFacts(ctx context.Context, objs []*unstructured.Unstructured, namespaces map[string]bool, st *localState) bool {
	if !m.listWebhooks(ctx, st) {
		return false
	}
	needed := map[string]bool{}
	for _, o := range objs {
		if ns := o.GetNamespace(); ns != "" && !namespaces[ns] {
			needed[ns] = true
		}
	}
	for ns := range needed {
		var err error
		if m.local.Namespaces != nil {
			err = m.local.Namespaces.Get(ctx, client.ObjectKey{Name: ns}, &corev1.Namespace{})
		}
		if m.local.Namespaces == nil || err != nil {
			err = m.c.Get(ctx, client.ObjectKey{Name: ns}, &corev1.Namespace{})
		}
		switch {
		case apierrors.IsNotFound(err):
			st.missingNS[ns] = true
		case err != nil:
			return false
		}
	}
	return true
}

// listWebhooks records the API groups that admission webhooks intercept.
func (m *Manager) listWebhooks(ctx context.Context, st *localState) bool {
	var v admissionv1.ValidatingWebhookConfigurationList
	var mu admissionv1.MutatingWebhookConfigurationList
	var r client.Reader = m.c
	if m.local.Webhooks != nil {
		r = m.local.Webhooks
	}
	if r.List(ctx, &v) != nil || r.List(ctx, &mu) != nil {
		return false
	}
	var rules []admissionv1.RuleWithOperations
	for _, c := range v.Items {
		for _, w := range c.Webhooks {
			rules = append(rules, w.Rules...)
		}
	}
	for _, c := range mu.Items {
		for _, w := range c.Webhooks {
			rules = append(rules, w.Rules...)
		}
	}
	for _, r := range rules {
		for _, g := range r.APIGroups {
			st.hookedGroups[g] = true
		}
	}
	return true
}

// checkLocal validates obj without the server. covered is false when the local check is not
// as strong as a dry-run for obj, which must then be dry-run; msg is the problem found, or "".
func (m *Manager) checkLocal(ctx context.Context, obj *unstructured.Unstructured, st *localState) (msg string, covered bool) {
	gvk := obj.GroupVersionKind()
	if !st.ready() || st.hookedGroups["*"] || st.hookedGroups[gvk.Group] {
		return "", false
	}
	if !schemaOnlyKind(gvk) {
		return "", false
	}
	if t, _, _ := unstructured.NestedString(obj.Object, "type"); gvk.Kind == "Secret" && t != "" && t != "Opaque" {
		return "", false // typed Secrets have required keys the schema does not show
	}
	var s *spec.Schema
	switch {
	case st.crdSchemas[gvk] != nil:
		s = m.setSchema(ctx, st, gvk)
	case gvk.Group != "":
		s = m.clusterCRDSchema(ctx, st, gvk)
	default:
		if ix := m.serverIndex(ctx, st); ix != nil {
			s, _ = ix.Schema(ctx, gvk) // an error: not covered, dry-run
		}
	}
	if s == nil {
		return "", false
	}
	if st.hasRules(gvk, s) {
		return "", false
	}
	namespaced := st.crdScopes[gvk] == "Namespaced"
	if _, fromSet := st.crdScopes[gvk]; !fromSet {
		mapping, err := m.local.Mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
		if err != nil {
			return "", false
		}
		namespaced = mapping.Scope.Name() == apimeta.RESTScopeNameNamespace
	}
	subject := ssautils.FmtUnstructured(obj)
	var problems []string
	if !namespaced && obj.GetNamespace() != "" {
		return "", false // how the request treats it is the server's business: dry-run
	}
	problems = append(problems, metaProblems(gvk, obj, namespaced)...)
	if ns := obj.GetNamespace(); namespaced && ns != "" && st.missingNS[ns] {
		problems = append(problems, fmt.Sprintf("metadata.namespace: namespace %q not found", ns))
	}
	problems = append(problems, kschema.Validate(s, obj)...)
	problems = append(problems, keyProblems(gvk, obj)...)
	if len(problems) == 0 {
		return "", true
	}
	return fmt.Sprintf("%s validation failed: %s", subject, strings.Join(problems, "; ")), true
}

// metaProblems applies the API server's metadata rules for a new object: the name rule of the
// kind, the namespace, label and annotation keys and values (and the annotations' total size),
// finalizers and owner references. These are not in the OpenAPI schema, yet every kind, custom
// resources included, is held to them.
func metaProblems(gvk schema.GroupVersionKind, obj *unstructured.Unstructured, namespaced bool) []string {
	errs := apivalidation.ValidateObjectMetaAccessor(obj, namespaced, nameRule(gvk), field.NewPath("metadata"))
	out := make([]string, 0, len(errs))
	for _, e := range errs {
		out = append(out, e.Error())
	}
	return out
}

// nameRule is the API server's name rule of a kind: DNS labels for Namespaces, DNS-1035 labels
// for Services, path segments for RBAC objects (which allow ':'), DNS subdomains for everything
// else the local check covers.
func nameRule(gvk schema.GroupVersionKind) apivalidation.ValidateNameFunc {
	switch {
	case gvk.Group == "" && gvk.Kind == "Namespace":
		return apivalidation.NameIsDNSLabel
	case gvk.Group == "" && gvk.Kind == "Service":
		return apivalidation.NameIsDNS1035Label
	case gvk.Group == "rbac.authorization.k8s.io":
		return path.ValidatePathSegmentName
	default:
		return apivalidation.NameIsDNSSubdomain
	}
}

// localEligible reports whether obj may skip the dry-run: it is applied with one request
// (splitDirect) and carries no per-object policy the ssa apply must handle.
func (m *Manager) localEligible(obj *unstructured.Unstructured, force bool) bool {
	return !force && !hasPolicy(obj) && !ssautils.IsClusterDefinition(obj) && !ssautils.IsClassDefinition(obj) &&
		!ssautils.IsCustomStage(obj, m.opts.CustomStageKinds)
}

// LocalBuiltinKinds are the built-in kinds validated locally (schemaOnlyKind): the only kinds a
// schema.Cache needs to keep of the server's documents.
var LocalBuiltinKinds = []schema.GroupVersionKind{
	{Version: "v1", Kind: "ConfigMap"}, {Version: "v1", Kind: "Secret"}, {Version: "v1", Kind: "ServiceAccount"},
}

// schemaOnlyKind reports the kinds whose server-side validation the local check covers: the
// schema, the metadata, and for ConfigMaps and Secrets their key names (a ServiceAccount has
// nothing else to validate). Custom resources qualify
// (their CEL rules are checked for separately); built-in kinds with semantic validation beyond
// the schema (workloads, Services, RBAC, ...) keep the dry-run. Groups ending in .k8s.io may
// be built in, so they keep it too.
func schemaOnlyKind(gvk schema.GroupVersionKind) bool {
	switch {
	case gvk.Group == "":
		return slices.Contains(LocalBuiltinKinds, gvk)
	case !strings.Contains(gvk.Group, "."), strings.HasSuffix(gvk.Group, ".k8s.io"), gvk.Group == "k8s.io":
		return false
	default:
		return true
	}
}

// hasRules caches schema.HasRules per kind for one Validate.
func (st *localState) hasRules(gvk schema.GroupVersionKind, s *spec.Schema) bool {
	return st.rules.get(gvk, func() bool { return kschema.HasRules(s) })
}

// keyProblems checks the data keys of ConfigMaps and Secrets as the API server does.
func keyProblems(gvk schema.GroupVersionKind, obj *unstructured.Unstructured) []string {
	if gvk.Group != "" {
		return nil
	}
	var out []string
	for _, field := range []string{"data", "binaryData", "stringData"} {
		m, _, _ := unstructured.NestedFieldNoCopy(obj.Object, field)
		keys, _ := m.(map[string]any)
		for k := range keys {
			for _, e := range validation.IsConfigMapKey(k) {
				out = append(out, fmt.Sprintf("%s[%s]: Invalid value: %q: %s", field, k, k, e))
			}
		}
	}
	sort.Strings(out)
	return out
}
