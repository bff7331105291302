package reconcile

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kustomizev1 "github.com/eddy-gitops/eddy/api/kustomize/v1"
	sourcev1 "github.com/eddy-gitops/eddy/api/source/v1"
)

// jsonEqual compares two JSON documents by value.
func jsonEqual(t *testing.T, got, want string) bool {
	t.Helper()
	var g, w any
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Fatalf("got is not JSON: %v: %s", err, got)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("want is not JSON: %v: %s", err, want)
	}
	return reflect.DeepEqual(g, w)
}

// checkPatch compares a computed patch with want, by JSON value; an empty want means nothing
// to send.
func checkPatch(t *testing.T, data []byte, changed bool, err error, want string) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	if changed != (want != "") {
		t.Fatalf("changed = %v, patch %s; want %q", changed, data, want)
	}
	if changed && !jsonEqual(t, string(data), want) {
		t.Errorf("patch = %s, want %s", data, want)
	}
}

func raws(m map[string]string) map[string]json.RawMessage {
	out := map[string]json.RawMessage{}
	for k, v := range m {
		out[k] = json.RawMessage(v)
	}
	return out
}

func TestStatusPatch(t *testing.T) {
	tests := []struct {
		name          string
		before, after map[string]string
		want          string // "" means nothing to send
	}{
		{name: "unchanged", before: map[string]string{"a": `"x"`, "inv": `{"entries":[1,2]}`},
			after: map[string]string{"a": `"x"`, "inv": `{"entries":[1,2]}`}},
		{name: "a scalar changed: sent alone", before: map[string]string{"a": `"x"`, "inv": `{"entries":[1,2]}`},
			after: map[string]string{"a": `"y"`, "inv": `{"entries":[1,2]}`}, want: `{"status":{"a":"y"}}`},
		{name: "a field added", before: map[string]string{},
			after: map[string]string{"inv": `{"entries":[1]}`}, want: `{"status":{"inv":{"entries":[1]}}}`},
		{name: "a field removed: null", before: map[string]string{"a": `"x"`, "artifact": `{"path":"p"}`},
			after: map[string]string{"a": `"x"`}, want: `{"status":{"artifact":null}}`},
		{name: "an object field: nested patch, removed keys null", before: map[string]string{"artifact": `{"path":"p","size":3,"url":"u"}`},
			after: map[string]string{"artifact": `{"path":"q","url":"u"}`}, want: `{"status":{"artifact":{"path":"q","size":null}}}`},
		{name: "a list is sent whole", before: map[string]string{"conditions": `[{"type":"Ready"},{"type":"Stalled"}]`},
			after: map[string]string{"conditions": `[{"type":"Ready"}]`}, want: `{"status":{"conditions":[{"type":"Ready"}]}}`},
		{name: "an object replaced by a scalar", before: map[string]string{"a": `{"b":1}`},
			after: map[string]string{"a": `2`}, want: `{"status":{"a":2}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, changed, err := statusPatch(raws(tt.before), raws(tt.after))
			checkPatch(t, data, changed, err, tt.want)
		})
	}
}

func TestMetadataPatch(t *testing.T) {
	tests := []struct {
		name          string
		before, after *metav1.ObjectMeta
		want          string
	}{
		{name: "unchanged", before: &metav1.ObjectMeta{Labels: map[string]string{"a": "1"}},
			after: &metav1.ObjectMeta{Labels: map[string]string{"a": "1"}}},
		{name: "empty and absent are the same", before: &metav1.ObjectMeta{Labels: map[string]string{}},
			after: &metav1.ObjectMeta{}},
		{name: "a finalizer added: the list whole", before: &metav1.ObjectMeta{Finalizers: []string{"a"}},
			after: &metav1.ObjectMeta{Finalizers: []string{"a", "b"}}, want: `{"metadata":{"finalizers":["a","b"]}}`},
		{name: "the last finalizer removed", before: &metav1.ObjectMeta{Finalizers: []string{"a"}},
			after: &metav1.ObjectMeta{}, want: `{"metadata":{"finalizers":null}}`},
		{name: "one label removed, one annotation changed", before: &metav1.ObjectMeta{Labels: map[string]string{"a": "1", "b": "2"}, Annotations: map[string]string{"x": "1"}},
			after: &metav1.ObjectMeta{Labels: map[string]string{"a": "1"}, Annotations: map[string]string{"x": "2"}},
			want:  `{"metadata":{"labels":{"b":null},"annotations":{"x":"2"}}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, _, err := snapshot(&corev1.ConfigMap{ObjectMeta: *tt.before})
			if err != nil {
				t.Fatal(err)
			}
			after, _, err := snapshot(&corev1.ConfigMap{ObjectMeta: *tt.after})
			if err != nil {
				t.Fatal(err)
			}
			data, changed, err := metadataPatch(before, after)
			checkPatch(t, data, changed, err, tt.want)
		})
	}
}

// TestSnapshotStatus: the status of a typed object is read from its Status field; an object
// without one (a ConfigMap) has an empty status.
func TestSnapshotStatus(t *testing.T) {
	k := &kustomizev1.Kustomization{}
	k.Status.LastAppliedRevision = "main@sha1:abc"
	k.Status.Inventory = &kustomizev1.ResourceInventory{Entries: []kustomizev1.ResourceRef{{ID: "ns_a__ConfigMap", Version: "v1"}}}
	_, status, err := snapshot(k)
	if err != nil {
		t.Fatal(err)
	}
	if string(status["lastAppliedRevision"]) != `"main@sha1:abc"` || string(status["inventory"]) != `{"entries":[{"id":"ns_a__ConfigMap","v":"v1"}]}` {
		t.Errorf("status = %s", status)
	}
	if _, ok := status["history"]; ok {
		t.Error("an empty optional field must be absent, as the API server would store it")
	}
	_, status, err = snapshot(&corev1.ConfigMap{})
	if err != nil || len(status) != 0 {
		t.Errorf("ConfigMap: status %v, err %v; want none", status, err)
	}
}

func TestSetLastHandledReconcileAt(t *testing.T) {
	k := &kustomizev1.Kustomization{}
	setLastHandledReconcileAt(k, "t1")
	repo := &sourcev1.GitRepository{}
	setLastHandledReconcileAt(repo, "t2")
	if k.Status.LastHandledReconcileAt != "t1" || repo.Status.LastHandledReconcileAt != "t2" {
		t.Errorf("got %q and %q, want t1 and t2", k.Status.LastHandledReconcileAt, repo.Status.LastHandledReconcileAt)
	}
	setLastHandledReconcileAt(&corev1.ConfigMap{}, "t3") // no such field: nothing to set, no panic
}

// TestPatcher_NestedFields writes a changed and a removed status field against the API server:
// the stored object matches what the reconciler holds.
func TestPatcher_NestedFields(t *testing.T) {
	needEnv(t)
	g := NewWithT(t)
	obj := newRepo(t, env.CreateNamespace(t, "patcher"))
	succeed(obj)
	size := int64(42)
	obj.Status.Artifact.Size = &size
	g.Expect(NewPatcher(newRepoCopy(t, obj), counted).Patch(t.Context(), obj, WithFieldOwner(testOwner))).To(Succeed())

	p := NewPatcher(newRepoCopy(t, obj), counted)
	obj.Status.Artifact.Revision = "main@sha1:def"
	obj.Status.Artifact.Size = nil
	requests.reset()
	g.Expect(p.Patch(t.Context(), obj, WithFieldOwner(testOwner))).To(Succeed())
	g.Expect(requests.reset()).To(Equal(map[string]int{"PATCH status": 1}))
	got := newRepoCopy(t, obj)
	g.Expect(got.Status.Artifact.Revision).To(Equal("main@sha1:def"))
	g.Expect(got.Status.Artifact.Size).To(BeNil(), "a removed nested field is removed")
	g.Expect(got.Status.Artifact.Path).To(Equal(obj.Status.Artifact.Path), "an unchanged nested field stays")

	obj.Status.Artifact = nil
	g.Expect(p.Patch(t.Context(), obj, WithFieldOwner(testOwner))).To(Succeed())
	g.Expect(newRepoCopy(t, obj).Status.Artifact).To(BeNil(), "a removed field is removed")
	g.Expect(conditions.IsReady(newRepoCopy(t, obj))).To(BeTrue())
}

// newRepoCopy reads obj back from the API server.
func newRepoCopy(t *testing.T, obj *sourcev1.GitRepository) *sourcev1.GitRepository {
	t.Helper()
	got := &sourcev1.GitRepository{}
	if err := env.Client.Get(t.Context(), client.ObjectKeyFromObject(obj), got); err != nil {
		t.Fatal(err)
	}
	return got
}

// discardClient accepts every patch without sending it: BenchmarkPatchLargeStatus measures the
// Patcher's own work, not the API server's.
type discardClient struct {
	client.Client
	scheme *runtime.Scheme
}

func (c discardClient) Scheme() *runtime.Scheme { return c.scheme }
func (c discardClient) Patch(context.Context, client.Object, client.Patch, ...client.PatchOption) error {
	return nil
}
func (c discardClient) Status() client.SubResourceWriter { return discardStatus{} }

type discardStatus struct{ client.SubResourceWriter }

func (discardStatus) Patch(_ context.Context, _ client.Object, p client.Patch, _ ...client.SubResourcePatchOption) error {
	_, err := p.Data(nil)
	return err
}

// BenchmarkPatchLargeStatus: the Patcher's CPU for a Kustomization listing 1,000 objects, as
// kustomize-controller's reconcile spends it: remember the object read, change the status, write.
func BenchmarkPatchLargeStatus(b *testing.B) {
	scheme := runtime.NewScheme()
	if err := kustomizev1.AddToScheme(scheme); err != nil {
		b.Fatal(err)
	}
	c := discardClient{scheme: scheme}
	read := &kustomizev1.Kustomization{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "k",
		Finalizers: []string{kustomizev1.KustomizationFinalizer}}}
	conditions.MarkTrue(read, meta.ReadyCondition, kustomizev1.ReconciliationSucceededReason, "Applied revision: main@sha1:abc")
	read.Status.Inventory = &kustomizev1.ResourceInventory{}
	for i := range 1000 {
		read.Status.Inventory.Entries = append(read.Status.Inventory.Entries,
			kustomizev1.ResourceRef{ID: fmt.Sprintf("w1-1000_cm-%05d__ConfigMap", i), Version: "v1"})
	}
	b.Run("no-op: lastHandledReconcileAt only", func(b *testing.B) {
		for b.Loop() {
			obj := read.DeepCopy()
			p := NewPatcher(obj, c)
			obj.Status.LastHandledReconcileAt = time.Now().String()
			if err := p.Patch(b.Context(), obj); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("first apply: the whole inventory", func(b *testing.B) {
		empty := read.DeepCopy()
		empty.Status = kustomizev1.KustomizationStatus{}
		for b.Loop() {
			obj := empty.DeepCopy()
			p := NewPatcher(obj, c)
			obj.Status = *read.Status.DeepCopy()
			if err := p.Patch(b.Context(), obj); err != nil {
				b.Fatal(err)
			}
		}
	})
}
