package kustomization

import (
	"context"
	"fmt"
	"net/http"
	"path"
	"strings"
	"testing"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	kustomizev1 "github.com/eddy-gitops/eddy/api/kustomize/v1"
	sourcev1 "github.com/eddy-gitops/eddy/api/source/v1"
)

// dryRunKey counts requests by method, telling dry-runs apart.
func dryRunKey(r *http.Request) string {
	if r.URL.Query().Get("dryRun") != "" {
		return r.Method + " dry-run"
	}
	return r.Method
}

// publishRevision replaces the artifact of the manual Kustomization's source and returns its
// revision.
func publishRevision(t *testing.T, ns string, files map[string]string) string {
	g := NewWithT(t)
	repo := &sourcev1.GitRepository{}
	g.Expect(env.Client.Get(t.Context(), client.ObjectKey{Namespace: ns, Name: "repo"}, repo)).To(Succeed())
	art := artifacts.publish(t, files)
	setArtifact(t, repo, art)
	return art.Revision
}

// publishCounted publishes files as a new revision of the manual Kustomization's source,
// reconciles until that revision was attempted, and returns it with the requests the manual
// reconciler sent to the cluster meanwhile, counted by key.
func publishCounted(t *testing.T, ns string, key client.ObjectKey, files map[string]string, by func(*http.Request) string) (string, map[string]int) {
	t.Helper()
	rev := publishRevision(t, ns, files)
	requests.reset()
	requests.key = by
	defer func() { requests.key = nil }()
	reconcileUntilAttempted(t, key, rev)
	return rev, requests.reset()
}

// reconcileUntilAttempted runs the manual reconciler until it has handled revision (its
// cached client may still show the previous artifact at first; such reconciles are no-ops
// that send no request to the cluster).
func reconcileUntilAttempted(t *testing.T, key client.ObjectKey, revision string) {
	NewWithT(t).Eventually(func(g Gomega) {
		_, _ = manual.Reconcile(t.Context(), ctrl.Request{NamespacedName: key})
		g.Expect(getKs(g, t.Context(), key).Status.LastAttemptedRevision).To(Equal(revision))
	}, 30*time.Second, 100*time.Millisecond).Should(Succeed())
}

var sprocketGVK = schema.GroupVersionKind{Group: "localval.eddy.dev", Version: "v1", Kind: "Sprocket"}

func sprocket(ns, name, spec string) string {
	return fmt.Sprintf("apiVersion: localval.eddy.dev/v1\nkind: Sprocket\nmetadata:\n  name: %s\n  namespace: %s\nspec: {%s}\n", name, ns, spec)
}

// installSprocketCRD installs a test CRD (a fixture, not applied by a Kustomization) and waits
// until its resources can be listed.
func installSprocketCRD(t *testing.T) {
	g := NewWithT(t)
	crd := mustUnstructured(t, fmt.Sprintf(crdManifest, "sprocket", "Sprocket"))
	if err := env.Client.Create(t.Context(), crd); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	g.Eventually(func() error {
		list := &unstructured.UnstructuredList{}
		list.SetGroupVersionKind(sprocketGVK.GroupVersion().WithKind("SprocketList"))
		return env.Client.List(t.Context(), list)
	}, 30*time.Second, 100*time.Millisecond).Should(Succeed())
}

// deleteAndWait deletes obj and waits until it is gone (finalizers included).
func deleteAndWait(t *testing.T, obj client.Object) {
	t.Helper()
	ctx := context.Background() // t.Context() is already done in a Cleanup
	if err := env.Client.Delete(ctx, obj); err != nil && !apierrors.IsNotFound(err) {
		t.Errorf("deleting %s: %v", obj.GetName(), err)
		return
	}
	NewWithT(t).Eventually(func() bool {
		return apierrors.IsNotFound(env.Client.Get(ctx, client.ObjectKeyFromObject(obj), obj))
	}, 60*time.Second, 100*time.Millisecond).Should(BeTrue(), "%s not removed", obj.GetName())
}

// deleteCRDAndWait deletes a CRD (if it exists) and waits until the API server has removed it
// and its custom resources, so that a later test may create a CRD of the same name.
func deleteCRDAndWait(t *testing.T, name string) {
	t.Helper()
	crd := &unstructured.Unstructured{}
	crd.SetGroupVersionKind(schema.GroupVersionKind{Group: "apiextensions.k8s.io", Version: "v1", Kind: "CustomResourceDefinition"})
	crd.SetName(name)
	ctx := context.Background() // t.Context() is already done in a Cleanup
	if err := env.Client.Delete(ctx, crd); err != nil && !apierrors.IsNotFound(err) {
		t.Errorf("deleting CRD %s: %v", name, err)
		return
	}
	NewWithT(t).Eventually(func() bool {
		return apierrors.IsNotFound(env.Client.Get(ctx, client.ObjectKey{Name: name}, crd.DeepCopy()))
	}, 60*time.Second, 100*time.Millisecond).Should(BeTrue(), "CRD %s not removed", name)
}

func mustUnstructured(t *testing.T, y string) *unstructured.Unstructured {
	t.Helper()
	m := map[string]any{}
	if err := yaml.Unmarshal([]byte(y), &m); err != nil {
		t.Fatal(err)
	}
	return &unstructured.Unstructured{Object: m}
}

// TestLocalValidation_RejectsInvalidObjects: an invalid object next to valid new ones is
// rejected by the local check, with a message naming the object and the field, and nothing of
// the revision is applied; only the rejected object is dry-run (to confirm the rejection).
func TestLocalValidation_RejectsInvalidObjects(t *testing.T) {
	installSprocketCRD(t)
	tests := []struct {
		name    string
		bad     string // manifest with %[1]s for the namespace
		wantMsg string // with %[1]s for the namespace
	}{
		{
			name:    "unknown field",
			bad:     "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bad\n  namespace: %[1]s\nspec:\n  k: v\n",
			wantMsg: "ConfigMap/%[1]s/bad validation failed: spec in body is a forbidden property",
		},
		{
			name:    "wrong type",
			bad:     "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bad\n  namespace: %[1]s\ndata:\n  k: [a, b]\n",
			wantMsg: "ConfigMap/%[1]s/bad validation failed: data.k in body must be of type string",
		},
		{
			name:    "missing required field",
			bad:     "apiVersion: localval.eddy.dev/v1\nkind: Sprocket\nmetadata:\n  name: bad\n  namespace: %[1]s\nspec: {}\n",
			wantMsg: "Sprocket/%[1]s/bad validation failed: spec.size in body is required",
		},
		{
			name:    "unknown metadata field of a custom resource",
			bad:     "apiVersion: localval.eddy.dev/v1\nkind: Sprocket\nmetadata:\n  name: bad\n  namespace: %[1]s\n  lables: {a: b}\nspec: {size: 1}\n",
			wantMsg: "Sprocket/%[1]s/bad validation failed: metadata.lables in body is a forbidden property",
		},
		{
			name:    "invalid label value",
			bad:     "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bad\n  namespace: %[1]s\n  labels: {app: \"not a label!\"}\n",
			wantMsg: `ConfigMap/%[1]s/bad validation failed: metadata.labels: Invalid value: "not a label!"`,
		},
		{
			name:    "invalid annotation key",
			bad:     "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bad\n  namespace: %[1]s\n  annotations: {\"bad key!\": x}\n",
			wantMsg: `ConfigMap/%[1]s/bad validation failed: metadata.annotations: Invalid value: "bad key!"`,
		},
		{
			name:    "invalid label key of a custom resource",
			bad:     "apiVersion: localval.eddy.dev/v1\nkind: Sprocket\nmetadata:\n  name: bad\n  namespace: %[1]s\n  labels: {\"-bad\": x}\nspec: {size: 1}\n",
			wantMsg: `Sprocket/%[1]s/bad validation failed: metadata.labels: Invalid value: "-bad"`,
		},
		{
			name:    "invalid ServiceAccount name",
			bad:     "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: Bad_SA\n  namespace: %[1]s\n",
			wantMsg: `ServiceAccount/%[1]s/Bad_SA validation failed: metadata.name: Invalid value: "Bad_SA"`,
		},
		{
			name:    "invalid name",
			bad:     "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Bad_Name\n  namespace: %[1]s\n",
			wantMsg: `ConfigMap/%[1]s/Bad_Name validation failed: metadata.name: Invalid value: "Bad_Name"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			ns := env.CreateNamespace(t, "localval")
			// The first revision makes the informers of both kinds sync, as in steady state.
			files := map[string]string{
				"base.yaml":     configMap(ns, "base", nil, nil),
				"sprocket.yaml": sprocket(ns, "base", "size: 1"),
			}
			key := manualKustomization(t, ns, files, nil)

			files["good.yaml"] = configMap(ns, "good", nil, nil)
			files["good-sprocket.yaml"] = sprocket(ns, "good", "size: 2")
			files["bad.yaml"] = fmt.Sprintf(tt.bad, ns)
			_, counts := publishCounted(t, ns, key, files, dryRunKey)

			got := getKs(g, t.Context(), key)
			g.Expect(conditions.GetReason(got, meta.ReadyCondition)).To(Equal(kustomizev1.ReconciliationFailedReason))
			g.Expect(conditions.GetMessage(got, meta.ReadyCondition)).To(ContainSubstring(fmt.Sprintf(tt.wantMsg, ns)))
			// One dry-run: the server confirms the local rejection (local.go); the valid
			// objects are not dry-run.
			g.Expect(counts).To(HaveKeyWithValue("PATCH dry-run", 1), "only the rejected object is dry-run")
			g.Expect(counts).NotTo(HaveKey("PATCH"), "nothing applied")
			g.Expect(getCM(g, t.Context(), ns, "good")).To(BeNil(), "nothing of a bad revision may be applied")
			cr := &unstructured.Unstructured{}
			cr.SetGroupVersionKind(sprocketGVK)
			err := env.Client.Get(t.Context(), client.ObjectKey{Namespace: ns, Name: "good"}, cr)
			g.Expect(apierrors.IsNotFound(err)).To(BeTrue(), "nothing of a bad revision may be applied")
		})
	}
}

// TestLocalValidation_OneRequestPerNewObject: new plain objects cost one apply request each,
// plus a handful per reconcile (webhook lists, namespace, one list of the kind).
func TestLocalValidation_OneRequestPerNewObject(t *testing.T) {
	g := NewWithT(t)
	ns := env.CreateNamespace(t, "localreq")
	files := map[string]string{"base.yaml": configMap(ns, "base", nil, nil)}
	key := manualKustomization(t, ns, files, nil)
	const n = 100
	for i := range n {
		name := fmt.Sprintf("cm-%03d", i)
		files[name+".yaml"] = configMap(ns, name, map[string]string{"i": fmt.Sprint(i)}, nil)
	}
	rev, counts := publishCounted(t, ns, key, files, dryRunKey)
	g.Expect(getKs(g, t.Context(), key).Status.LastAppliedRevision).To(Equal(rev))
	total := 0
	for _, c := range counts {
		total += c
	}
	g.Expect(counts).To(HaveKeyWithValue("PATCH", n), "one apply per new object")
	g.Expect(counts).NotTo(HaveKey("PATCH dry-run"))
	g.Expect(float64(total)/n).To(BeNumerically("<=", 1.1), "requests per object: %v", counts)
	g.Expect(sink.find(ns, "manual", "ConfigMap/"+ns+"/cm-042 created")).NotTo(BeEmpty())
}

const crdManifest = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: %[1]ss.localval.eddy.dev
spec:
  group: localval.eddy.dev
  scope: Namespaced
  names: {kind: %[2]s, plural: %[1]ss, singular: %[1]s, listKind: %[2]sList}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            required: [size]
            properties:
              size: {type: integer}
`

// TestLocalValidation_CRDAndCRInOneRevision: a custom resource is checked against the CRD in
// the same revision: a valid pair is applied, an invalid resource is rejected with its field
// and neither the CRD nor anything else is applied.
// listOrGetKey tells ConfigMap lists from requests for one object (by method and name), and
// dry-runs from applies.
func listOrGetKey(r *http.Request) string {
	if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/configmaps") {
		return "LIST configmaps"
	}
	return dryRunKey(r) + " " + path.Base(r.URL.Path)
}

// A few new objects of a kind are checked for existence one by one, not by listing their
// namespace (which may hold thousands); one that exists without owner labels is still found,
// and dry-run before it is taken over. The namespace itself is read from the cache.
func TestLocalValidation_FewNewObjectsAreReadNotListed(t *testing.T) {
	g := NewWithT(t)
	ns := env.CreateNamespace(t, "localfew")
	files := map[string]string{"base.yaml": configMap(ns, "base", nil, nil)}
	key := manualKustomization(t, ns, files, nil)
	foreign := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "foreign"}, Data: map[string]string{"k": "theirs"}}
	g.Expect(env.Client.Create(t.Context(), foreign)).To(Succeed())
	files["new.yaml"] = configMap(ns, "new", map[string]string{"k": "v"}, nil)
	files["foreign.yaml"] = configMap(ns, "foreign", map[string]string{"k": "ours"}, nil)
	rev, counts := publishCounted(t, ns, key, files, listOrGetKey)
	g.Expect(getKs(g, t.Context(), key).Status.LastAppliedRevision).To(Equal(rev))
	g.Expect(counts).NotTo(HaveKey("LIST configmaps"), "requests: %v", counts)
	g.Expect(counts).NotTo(HaveKey("GET "+ns), "the namespace is known from the cache: %v", counts)
	g.Expect(counts).To(HaveKeyWithValue("GET new", 1), "one read for the new object: %v", counts)
	g.Expect(counts).To(HaveKeyWithValue("PATCH new", 1), "one apply for the new object: %v", counts)
	g.Expect(counts).NotTo(HaveKey("PATCH dry-run new"), "the new object is validated locally: %v", counts)
	g.Expect(counts).To(HaveKey("PATCH dry-run foreign"), "the existing object is dry-run: %v", counts)
	got := &corev1.ConfigMap{}
	g.Expect(env.Client.Get(t.Context(), client.ObjectKey{Namespace: ns, Name: "foreign"}, got)).To(Succeed())
	g.Expect(got.Data).To(HaveKeyWithValue("k", "ours"))
	g.Expect(getCM(g, t.Context(), ns, "new")).NotTo(BeNil())
}

func TestLocalValidation_CRDAndCRInOneRevision(t *testing.T) {
	tests := []struct {
		name, plural, kind, spec string
		wantMsg                  string // "" for success; %[1]s: namespace
	}{
		{name: "valid", plural: "gadget", kind: "Gadget", spec: "size: 3"},
		{name: "wrong type", plural: "gizmo", kind: "Gizmo", spec: "size: big",
			wantMsg: "Gizmo/%[1]s/one validation failed: spec.size in body must be of type integer"},
		{name: "missing required", plural: "widget", kind: "Widget", spec: "{}",
			wantMsg: "Widget/%[1]s/one validation failed: spec.size in body is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			ns := env.CreateNamespace(t, "localcrd")
			spec := tt.spec
			if !strings.HasPrefix(spec, "{") {
				spec = "\n    " + spec
			}
			repo := createSource(t, ns, "repo", map[string]string{
				"crd.yaml":  fmt.Sprintf(crdManifest, tt.plural, tt.kind),
				"cr.yaml":   fmt.Sprintf("apiVersion: localval.eddy.dev/v1\nkind: %s\nmetadata:\n  name: one\n  namespace: %s\nspec: %s\n", tt.kind, ns, spec),
				"good.yaml": configMap(ns, "good", nil, nil),
			})
			ks := newKustomization(ns, "crd", "repo", "./")
			env.CreateAndWait(t, ks)
			key := client.ObjectKeyFromObject(ks)
			crd := &unstructured.Unstructured{}
			crd.SetGroupVersionKind(schema.GroupVersionKind{Group: "apiextensions.k8s.io", Version: "v1", Kind: "CustomResourceDefinition"})
			crdKey := client.ObjectKey{Name: tt.plural + "s.localval.eddy.dev"}
			// The next run (-count) re-creates a CRD of the same name: it must be gone by then,
			// not terminating. The Kustomization goes first, or it would re-apply the deleted CRD
			// (drift correction). A rejected revision never creates it, which the test asserts.
			t.Cleanup(func() {
				deleteAndWait(t, ks)
				deleteCRDAndWait(t, crdKey.Name)
			})
			if tt.wantMsg == "" {
				waitApplied(t, key, revisionOf(t, repo))
				cr := &unstructured.Unstructured{}
				cr.SetGroupVersionKind(schema.GroupVersionKind{Group: "localval.eddy.dev", Version: "v1", Kind: tt.kind})
				g.Expect(env.Client.Get(t.Context(), client.ObjectKey{Namespace: ns, Name: "one"}, cr)).To(Succeed())
				g.Expect(env.Client.Get(t.Context(), crdKey, crd)).To(Succeed())
				return
			}
			got := waitNotReady(t, key, kustomizev1.ReconciliationFailedReason)
			g.Expect(conditions.GetMessage(got, meta.ReadyCondition)).To(ContainSubstring(fmt.Sprintf(tt.wantMsg, ns)))
			g.Expect(apierrors.IsNotFound(env.Client.Get(t.Context(), crdKey, crd))).To(BeTrue(), "the CRD of a bad revision is not applied")
			g.Expect(getCM(g, t.Context(), ns, "good")).To(BeNil())
		})
	}
}

// crdWithRule is crdManifest with a CEL rule, which keeps its resources on the server dry-run.
var crdWithRule = strings.Replace(crdManifest, "            required: [size]\n", `            required: [size]
            x-kubernetes-validations:
            - {rule: "self.size >= 0", message: "size must not be negative"}
`, 1)

// TestLocalValidation_CRDDeletedAndReapplied: a CRD deleted from the cluster (with its
// resources) is re-created by the next revision that contains it. The controller's REST
// mapper still maps the deleted kind, so the server answers its requests with a bare 404; the
// validation must not take that for a failed dry-run of the custom resource, or the CRD could
// never be applied again. With a CEL rule the resource is dry-run (not checked locally).
func TestLocalValidation_CRDDeletedAndReapplied(t *testing.T) {
	if !strings.Contains(crdWithRule, "x-kubernetes-validations") {
		t.Fatal("crdWithRule has no CEL rule: crdManifest changed shape")
	}
	tests := []struct{ name, manifest, plural, kind string }{
		{name: "schema only", manifest: crdManifest, plural: "doodad", kind: "Doodad"},
		{name: "with CEL rule", manifest: crdWithRule, plural: "thingamajig", kind: "Thingamajig"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			ns := env.CreateNamespace(t, "localre")
			crdName := tt.plural + "s.localval.eddy.dev"
			t.Cleanup(func() { deleteCRDAndWait(t, crdName) })
			gvk := schema.GroupVersionKind{Group: "localval.eddy.dev", Version: "v1", Kind: tt.kind}
			files := map[string]string{
				"crd.yaml": fmt.Sprintf(tt.manifest, tt.plural, tt.kind),
				"cr.yaml":  fmt.Sprintf("apiVersion: localval.eddy.dev/v1\nkind: %s\nmetadata:\n  name: one\n  namespace: %s\nspec:\n  size: 1\n", tt.kind, ns),
			}
			key := manualKustomization(t, ns, files, nil)
			cr := &unstructured.Unstructured{}
			cr.SetGroupVersionKind(gvk)
			g.Expect(env.Client.Get(t.Context(), client.ObjectKey{Namespace: ns, Name: "one"}, cr)).To(Succeed())

			deleteCRDAndWait(t, crdName)
			// The resource's manifest changes too, so that it is applied because of that and not
			// only if the watch noticed its deletion: a later run (-count) reuses the kind, whose
			// informer missed events while its CRD was gone (see the report on issue 7).
			files["cr.yaml"] = strings.Replace(files["cr.yaml"], "size: 1", "size: 2", 1)
			files["good.yaml"] = configMap(ns, "good", nil, nil)
			rev := publishRevision(t, ns, files)
			g.Eventually(func(g Gomega) {
				_, _ = manual.Reconcile(t.Context(), ctrl.Request{NamespacedName: key})
				got := getKs(g, t.Context(), key)
				g.Expect(got.Status.LastAppliedRevision).To(Equal(rev), "Ready: %s", conditions.GetMessage(got, meta.ReadyCondition))
			}, 60*time.Second, 200*time.Millisecond).Should(Succeed())
			g.Expect(env.Client.Get(t.Context(), client.ObjectKey{Namespace: ns, Name: "one"}, cr)).To(Succeed(), "custom resource re-created")
			g.Expect(getCM(g, t.Context(), ns, "good")).NotTo(BeNil())
		})
	}
}

// waitServerAgrees waits until the API server itself accepts manifest (wantErr "") or refuses
// it with wantErr in a dry-run of the test's own client: a changed CRD takes effect in the
// server asynchronously, and the test is about the controller following it, not the server.
func waitServerAgrees(t *testing.T, manifest, wantErr string) {
	t.Helper()
	NewWithT(t).Eventually(func(g Gomega) {
		err := env.Client.Create(t.Context(), mustUnstructured(t, manifest), client.DryRunAll)
		if wantErr == "" {
			g.Expect(err).NotTo(HaveOccurred())
			return
		}
		g.Expect(err).To(MatchError(ContainSubstring(wantErr)))
	}, 60*time.Second, 100*time.Millisecond).Should(Succeed())
}

// TestLocalValidation_FollowsCRDChanges: the local check uses the CRD as the cluster has it
// now, not the schema it cached at the first use of the kind. A CRD changed in the cluster (not by
// this Kustomization) is followed both ways: a field it adds is accepted without a dry-run (no
// wrong rejection), a bound it adds rejects a new resource with the field named and nothing of
// the revision applied (no wrong acceptance).
func TestLocalValidation_FollowsCRDChanges(t *testing.T) {
	g := NewWithT(t)
	const plural, kind = "whatsit", "Whatsit"
	crdName := plural + "s.localval.eddy.dev"
	t.Cleanup(func() { deleteCRDAndWait(t, crdName) })
	crd := mustUnstructured(t, fmt.Sprintf(crdManifest, plural, kind))
	g.Expect(env.Client.Create(t.Context(), crd)).To(Succeed())
	gvk := schema.GroupVersionKind{Group: "localval.eddy.dev", Version: "v1", Kind: kind}
	cr := func(ns, name, spec string) string {
		return fmt.Sprintf("apiVersion: localval.eddy.dev/v1\nkind: %s\nmetadata:\n  name: %s\n  namespace: %s\nspec: {%s}\n", kind, name, ns, spec)
	}
	waitServerAgrees(t, cr("default", "probe", "size: 1"), "")
	ns := env.CreateNamespace(t, "localchg")
	files := map[string]string{"base.yaml": cr(ns, "base", "size: 1")}
	key := manualKustomization(t, ns, files, nil) // the schema of the kind is now cached

	setSize := func(props map[string]any) {
		g.Eventually(func() error {
			live := &unstructured.Unstructured{}
			live.SetGroupVersionKind(crd.GroupVersionKind())
			if err := env.Client.Get(t.Context(), client.ObjectKey{Name: crdName}, live); err != nil {
				return err
			}
			path := []string{"spec", "versions"}
			versions, _, _ := unstructured.NestedSlice(live.Object, path...)
			v := versions[0].(map[string]any)
			for k, p := range props {
				if err := unstructured.SetNestedField(v, p, "schema", "openAPIV3Schema", "properties", "spec", "properties", k); err != nil {
					return err
				}
			}
			versions[0] = v
			if err := unstructured.SetNestedSlice(live.Object, versions, path...); err != nil {
				return err
			}
			return env.Client.Update(t.Context(), live)
		}, 30*time.Second, 100*time.Millisecond).Should(Succeed())
	}

	// A field added to the CRD: a new resource using it is valid.
	setSize(map[string]any{"color": map[string]any{"type": "string"}})
	files["colored.yaml"] = cr(ns, "colored", "size: 1, color: red")
	waitServerAgrees(t, files["colored.yaml"], "")
	rev, counts := publishCounted(t, ns, key, files, dryRunKey)
	got := getKs(g, t.Context(), key)
	g.Expect(got.Status.LastAppliedRevision).To(Equal(rev), "Ready: %s", conditions.GetMessage(got, meta.ReadyCondition))
	g.Expect(counts).NotTo(HaveKey("PATCH dry-run"), "validated locally against the new schema")

	// A bound added to the CRD: a new resource violating it is refused, nothing is applied.
	setSize(map[string]any{"size": map[string]any{"type": "integer", "minimum": int64(5)}})
	files["small.yaml"] = cr(ns, "small", "size: 2")
	waitServerAgrees(t, files["small.yaml"], "should be greater than or equal to 5")
	files["good.yaml"] = configMap(ns, "good", nil, nil)
	rev = publishRevision(t, ns, files)
	reconcileUntilAttempted(t, key, rev)
	got = getKs(g, t.Context(), key)
	g.Expect(conditions.GetReason(got, meta.ReadyCondition)).To(Equal(kustomizev1.ReconciliationFailedReason))
	g.Expect(conditions.GetMessage(got, meta.ReadyCondition)).To(ContainSubstring(
		kind + "/" + ns + "/small validation failed: spec.size in body should be greater than or equal to 5"))
	g.Expect(getCM(g, t.Context(), ns, "good")).To(BeNil(), "nothing of a bad revision may be applied")
	small := &unstructured.Unstructured{}
	small.SetGroupVersionKind(gvk)
	g.Expect(apierrors.IsNotFound(env.Client.Get(t.Context(), client.ObjectKey{Namespace: ns, Name: "small"}, small))).To(BeTrue())
}

// TestLocalValidation_CRDChangedWithItsResources: a revision that changes a CRD and, with it,
// an existing resource is checked against the new CRD, not the one in the cluster: a field the
// new CRD adds is accepted, a value it forbids is refused with nothing applied (not even the
// CRD).
func TestLocalValidation_CRDChangedWithItsResources(t *testing.T) {
	const plural, kind = "contraption", "Contraption"
	crdName := plural + "s.localval.eddy.dev"
	t.Cleanup(func() { deleteCRDAndWait(t, crdName) })
	withColor := func(manifest string) string {
		return strings.Replace(fmt.Sprintf(manifest, plural, kind),
			"              size: {type: integer}\n", "              size: {type: integer}\n              color: {type: string}\n", 1)
	}
	tests := []struct {
		name, manifest, spec string
		wantMsg              string // "" for success; %[1]s: namespace
	}{
		{name: "new field", manifest: crdManifest, spec: "size: 1, color: red"},
		{name: "new field, wrong type", manifest: crdManifest, spec: "size: 1, color: 5",
			wantMsg: kind + "/%[1]s/one validation failed: spec.color in body must be of type string"},
		// Not checked locally (CEL): not dry-run against the old CRD either, but after the new one.
		{name: "new field, CEL rule", manifest: crdWithRule, spec: "size: 1, color: red"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			deleteCRDAndWait(t, crdName) // each case starts from the CRD without color
			ns := env.CreateNamespace(t, "localupd")
			cr := func(spec string) string {
				return fmt.Sprintf("apiVersion: localval.eddy.dev/v1\nkind: %s\nmetadata:\n  name: one\n  namespace: %s\nspec: {%s}\n", kind, ns, spec)
			}
			files := map[string]string{"crd.yaml": fmt.Sprintf(tt.manifest, plural, kind), "cr.yaml": cr("size: 1")}
			key := manualKustomization(t, ns, files, nil)

			files["crd.yaml"], files["cr.yaml"] = withColor(tt.manifest), cr(tt.spec)
			files["good.yaml"] = configMap(ns, "good", nil, nil)
			rev := publishRevision(t, ns, files)
			crd := &unstructured.Unstructured{}
			crd.SetGroupVersionKind(schema.GroupVersionKind{Group: "apiextensions.k8s.io", Version: "v1", Kind: "CustomResourceDefinition"})
			if tt.wantMsg == "" {
				g.Eventually(func(g Gomega) {
					_, _ = manual.Reconcile(t.Context(), ctrl.Request{NamespacedName: key})
					got := getKs(g, t.Context(), key)
					g.Expect(got.Status.LastAppliedRevision).To(Equal(rev), "Ready: %s", conditions.GetMessage(got, meta.ReadyCondition))
				}, 60*time.Second, 200*time.Millisecond).Should(Succeed())
				obj := &unstructured.Unstructured{}
				obj.SetGroupVersionKind(schema.GroupVersionKind{Group: "localval.eddy.dev", Version: "v1", Kind: kind})
				g.Expect(env.Client.Get(t.Context(), client.ObjectKey{Namespace: ns, Name: "one"}, obj)).To(Succeed())
				color, _, _ := unstructured.NestedString(obj.Object, "spec", "color")
				g.Expect(color).To(Equal("red"))
				return
			}
			reconcileUntilAttempted(t, key, rev)
			got := getKs(g, t.Context(), key)
			g.Expect(conditions.GetReason(got, meta.ReadyCondition)).To(Equal(kustomizev1.ReconciliationFailedReason))
			g.Expect(conditions.GetMessage(got, meta.ReadyCondition)).To(ContainSubstring(fmt.Sprintf(tt.wantMsg, ns)))
			g.Expect(getCM(g, t.Context(), ns, "good")).To(BeNil(), "nothing of a bad revision may be applied")
			g.Expect(env.Client.Get(t.Context(), client.ObjectKey{Name: crdName}, crd)).To(Succeed())
			props, _, _ := unstructured.NestedSlice(crd.Object, "spec", "versions")
			g.Expect(fmt.Sprint(props)).NotTo(ContainSubstring("color"), "the CRD of a bad revision is not applied")
		})
	}
}
