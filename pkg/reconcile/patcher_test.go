package reconcile

import (
	"testing"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	sourcev1 "github.com/eddy-gitops/eddy/api/source/v1"
)

const testOwner = "patcher-test"

// newRepo creates a GitRepository with a finalizer, a label and a Ready=False status, as a
// reconciler would find it, and reads it back.
func newRepo(t *testing.T, ns string) *sourcev1.GitRepository {
	t.Helper()
	g := NewWithT(t)
	obj := &sourcev1.GitRepository{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "repo", Labels: map[string]string{"team": "a"},
			Finalizers: []string{sourcev1.SourceFinalizer}},
		Spec: sourcev1.GitRepositorySpec{URL: "https://example.com/repo.git", Interval: metav1.Duration{Duration: time.Minute}},
	}
	g.Expect(env.Client.Create(t.Context(), obj)).To(Succeed())
	conditions.MarkFalse(obj, meta.ReadyCondition, "GitOperationFailed", "timeout")
	conditions.MarkTrue(obj, sourcev1.FetchFailedCondition, "GitOperationFailed", "timeout")
	g.Expect(env.Client.Status().Update(t.Context(), obj)).To(Succeed())
	got := &sourcev1.GitRepository{}
	g.Expect(counted.Get(t.Context(), client.ObjectKeyFromObject(obj), got)).To(Succeed())
	return got
}

func testArtifact(rev string) *meta.Artifact {
	return &meta.Artifact{Path: "gitrepository/ns/repo/" + rev + ".tar.gz", URL: "http://storage/" + rev + ".tar.gz",
		Revision: "main@sha1:" + rev, Digest: "sha256:" + rev, LastUpdateTime: metav1.Now()}
}

// succeed is what a successful reconcile does to the status: Ready, the artifact, the failure gone.
func succeed(obj *sourcev1.GitRepository) {
	conditions.Delete(obj, sourcev1.FetchFailedCondition)
	conditions.MarkTrue(obj, meta.ReadyCondition, meta.SucceededReason, "stored artifact for revision 'main@sha1:abc'")
	obj.Status.Artifact = testArtifact("abc")
}

func TestPatcher_Requests(t *testing.T) {
	needEnv(t)
	tests := []struct {
		name   string
		change func(obj *sourcev1.GitRepository)
		opts   []PatchOption
		want   map[string]int // write requests by "METHOD object|status"
		check  func(g Gomega, got *sourcev1.GitRepository)
	}{
		{
			name:   "nothing changed: no request",
			change: func(*sourcev1.GitRepository) {},
			opts:   []PatchOption{WithFieldOwner(testOwner)},
			want:   map[string]int{},
		},
		{
			name: "conditions and other status fields: one status request carrying both",
			change: func(obj *sourcev1.GitRepository) {
				succeed(obj)
				obj.Status.LastHandledReconcileAt = "now"
			},
			opts: []PatchOption{WithFieldOwner(testOwner)},
			want: map[string]int{"PATCH status": 1},
			check: func(g Gomega, got *sourcev1.GitRepository) {
				g.Expect(conditions.IsReady(got)).To(BeTrue())
				g.Expect(conditions.Has(got, sourcev1.FetchFailedCondition)).To(BeFalse(), "a removed condition is gone")
				g.Expect(got.Status.Artifact).NotTo(BeNil())
				g.Expect(got.Status.Artifact.Revision).To(Equal("main@sha1:abc"))
				g.Expect(got.Status.LastHandledReconcileAt).To(Equal("now"))
				g.Expect(got.Status.ObservedGeneration).NotTo(Equal(got.Generation), "only set when asked")
			},
		},
		{
			name:   "observedGeneration is set with the status",
			change: succeed,
			opts:   []PatchOption{WithFieldOwner(testOwner), WithObservedGeneration()},
			want:   map[string]int{"PATCH status": 1},
			check: func(g Gomega, got *sourcev1.GitRepository) {
				g.Expect(got.Status.ObservedGeneration).To(Equal(got.Generation))
				g.Expect(conditions.IsReady(got)).To(BeTrue())
			},
		},
		{
			name:   "observedGeneration alone when the status is otherwise unchanged",
			change: func(*sourcev1.GitRepository) {},
			opts:   []PatchOption{WithObservedGeneration()},
			want:   map[string]int{"PATCH status": 1},
			check: func(g Gomega, got *sourcev1.GitRepository) {
				g.Expect(got.Status.ObservedGeneration).To(Equal(got.Generation))
			},
		},
		{
			name: "a finalizer only: one metadata request",
			change: func(obj *sourcev1.GitRepository) {
				controllerutil.AddFinalizer(obj, "example.com/other")
			},
			want: map[string]int{"PATCH object": 1},
			check: func(g Gomega, got *sourcev1.GitRepository) {
				g.Expect(got.Finalizers).To(ConsistOf(sourcev1.SourceFinalizer, "example.com/other"))
				g.Expect(conditions.IsFalse(got, meta.ReadyCondition)).To(BeTrue(), "status untouched")
			},
		},
		{
			name: "labels and annotations: one metadata request, removals included",
			change: func(obj *sourcev1.GitRepository) {
				obj.Labels = nil
				obj.Annotations = map[string]string{"a": "b"}
			},
			opts: []PatchOption{WithFieldOwner(testOwner)},
			want: map[string]int{"PATCH object": 1},
			check: func(g Gomega, got *sourcev1.GitRepository) {
				g.Expect(got.Labels).To(BeEmpty())
				g.Expect(got.Annotations).To(HaveKeyWithValue("a", "b"))
			},
		},
		{
			name: "metadata and status: one request each",
			change: func(obj *sourcev1.GitRepository) {
				controllerutil.RemoveFinalizer(obj, sourcev1.SourceFinalizer)
				succeed(obj)
			},
			opts: []PatchOption{WithFieldOwner(testOwner)},
			want: map[string]int{"PATCH object": 1, "PATCH status": 1},
			check: func(g Gomega, got *sourcev1.GitRepository) {
				g.Expect(got.Finalizers).To(BeEmpty())
				g.Expect(conditions.IsReady(got)).To(BeTrue())
				g.Expect(got.Status.Artifact).NotTo(BeNil())
			},
		},
		{
			name: "a spec change is never written",
			change: func(obj *sourcev1.GitRepository) {
				obj.Spec.URL = "https://example.com/other.git"
			},
			want: map[string]int{},
			check: func(g Gomega, got *sourcev1.GitRepository) {
				g.Expect(got.Spec.URL).To(Equal("https://example.com/repo.git"))
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			ns := env.CreateNamespace(t, "patcher")
			obj := newRepo(t, ns)
			p := NewPatcher(obj, counted)
			tt.change(obj)
			requests.reset()
			g.Expect(p.Patch(t.Context(), obj, tt.opts...)).To(Succeed())
			g.Expect(requests.reset()).To(Equal(tt.want))

			got := &sourcev1.GitRepository{}
			g.Expect(env.Client.Get(t.Context(), client.ObjectKeyFromObject(obj), got)).To(Succeed())
			g.Expect(obj.ResourceVersion).To(Equal(got.ResourceVersion), "obj carries the resourceVersion it was written with")
			if tt.check != nil {
				tt.check(g, got)
			}
			if len(tt.want) > 0 && tt.name != "a spec change is never written" {
				// The object was remembered as written: the same Patch again sends nothing.
				g.Expect(p.Patch(t.Context(), obj, tt.opts...)).To(Succeed())
				g.Expect(requests.reset()).To(BeEmpty(), "nothing changed since the last Patch")
			}
		})
	}
}

// TestPatcher_SuccessiveWrites: a reconcile writes progress, then its outcome; each write sends
// only what changed since the previous one, and the field owner owns the status fields.
func TestPatcher_SuccessiveWrites(t *testing.T) {
	needEnv(t)
	g := NewWithT(t)
	obj := newRepo(t, env.CreateNamespace(t, "patcher"))
	p := NewPatcher(obj, counted)

	conditions.MarkReconciling(obj, meta.ProgressingReason, "reconciliation in progress")
	conditions.MarkUnknown(obj, meta.ReadyCondition, meta.ProgressingReason, "reconciliation in progress")
	requests.reset()
	g.Expect(p.Patch(t.Context(), obj, WithFieldOwner(testOwner))).To(Succeed())
	conditions.Delete(obj, meta.ReconcilingCondition)
	succeed(obj)
	g.Expect(p.Patch(t.Context(), obj, WithFieldOwner(testOwner), WithObservedGeneration())).To(Succeed())
	g.Expect(requests.reset()).To(Equal(map[string]int{"PATCH status": 2}))

	got := &sourcev1.GitRepository{}
	g.Expect(env.Client.Get(t.Context(), client.ObjectKeyFromObject(obj), got)).To(Succeed())
	g.Expect(got.Status.Conditions).To(HaveLen(1), "Ready only: Reconciling and FetchFailed removed")
	g.Expect(conditions.IsReady(got)).To(BeTrue())
	g.Expect(got.Status.ObservedGeneration).To(Equal(got.Generation))
	var managers []string
	for _, mf := range got.ManagedFields {
		if mf.Subresource == "status" {
			managers = append(managers, mf.Manager)
		}
	}
	g.Expect(managers).To(ContainElement(testOwner))
}

// TestPatcher_NoHalfWrittenStatus watches the object while a failed reconcile recovers: the
// watch sees exactly one change, and in it Ready=True comes with the artifact it announces.
func TestPatcher_NoHalfWrittenStatus(t *testing.T) {
	needEnv(t)
	g := NewWithT(t)
	obj := newRepo(t, env.CreateNamespace(t, "patcher"))
	list := &sourcev1.GitRepositoryList{}
	w, err := counted.Watch(t.Context(), list, client.InNamespace(obj.Namespace),
		&client.ListOptions{Raw: &metav1.ListOptions{ResourceVersion: obj.ResourceVersion}})
	g.Expect(err).NotTo(HaveOccurred())
	defer w.Stop()

	p := NewPatcher(obj, counted)
	controllerutil.AddFinalizer(obj, "example.com/other")
	succeed(obj)
	obj.Status.LastHandledReconcileAt = "now"
	g.Expect(p.Patch(t.Context(), obj, WithFieldOwner(testOwner), WithObservedGeneration())).To(Succeed())

	// Events arrive in order: everything up to the resourceVersion of the last write is every
	// change the Patch made.
	var seen []*sourcev1.GitRepository
	for len(seen) == 0 || seen[len(seen)-1].ResourceVersion != obj.ResourceVersion {
		select {
		case ev := <-w.ResultChan():
			g.Expect(ev.Type).To(Equal(watch.Modified))
			seen = append(seen, ev.Object.(*sourcev1.GitRepository))
		case <-time.After(30 * time.Second):
			t.Fatalf("the watch did not deliver resourceVersion %s; saw %d events", obj.ResourceVersion, len(seen))
		}
	}
	g.Expect(seen).To(HaveLen(2), "one metadata change, one status change")
	for _, got := range seen {
		if conditions.IsReady(got) {
			g.Expect(got.Status.Artifact).NotTo(BeNil(), "Ready=True without its artifact")
			g.Expect(got.Status.LastHandledReconcileAt).To(Equal("now"))
			g.Expect(got.Status.ObservedGeneration).To(Equal(got.Generation))
			g.Expect(conditions.Has(got, sourcev1.FetchFailedCondition)).To(BeFalse())
		}
	}
	g.Expect(conditions.IsReady(seen[0])).To(BeFalse(), "the metadata goes first, the status is not in it")
	g.Expect(conditions.IsReady(seen[1])).To(BeTrue())
}

// TestPatcher_Deletion: removing the last finalizer of a deleted object lets the API server
// delete it; its status is not written, and Finish reports no error. A Patch of an object
// that is already gone fails with NotFound, which Finish ignores for an object being deleted.
func TestPatcher_Deletion(t *testing.T) {
	needEnv(t)
	for _, tt := range []struct {
		name      string
		goneFirst bool // the object disappears before the reconcile writes
		want      map[string]int
	}{
		{name: "last finalizer removed: metadata only, then gone", want: map[string]int{"PATCH object": 1}},
		{name: "already gone: NotFound, ignored by Finish", goneFirst: true, want: map[string]int{"PATCH object": 1}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			obj := newRepo(t, env.CreateNamespace(t, "patcher"))
			key := client.ObjectKeyFromObject(obj)
			g.Expect(env.Client.Delete(t.Context(), obj)).To(Succeed())
			g.Expect(counted.Get(t.Context(), key, obj)).To(Succeed())
			g.Expect(obj.DeletionTimestamp.IsZero()).To(BeFalse())
			p := NewPatcher(obj, counted)
			if tt.goneFirst {
				other := obj.DeepCopy()
				other.Finalizers = nil
				g.Expect(env.Client.Update(t.Context(), other)).To(Succeed())
				g.Eventually(func() bool {
					return apierrors.IsNotFound(env.Client.Get(t.Context(), key, &sourcev1.GitRepository{}))
				}, 30*time.Second).Should(BeTrue())
			}
			controllerutil.RemoveFinalizer(obj, sourcev1.SourceFinalizer)
			obj.Status.Artifact = nil
			requests.reset()
			res, err := Finish{Patcher: p, FieldOwner: testOwner, ReadyMessage: "deleted"}.Apply(t.Context(), obj, nil)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(res).To(Equal(ctrl.Result{}), "nothing left to requeue")
			g.Expect(requests.reset()).To(Equal(tt.want))
			g.Eventually(func() bool {
				return apierrors.IsNotFound(env.Client.Get(t.Context(), key, &sourcev1.GitRepository{}))
			}, 30*time.Second).Should(BeTrue())

			if tt.goneFirst {
				err := NewPatcher(obj, counted).Patch(t.Context(), withAnnotation(obj))
				g.Expect(apierrors.IsNotFound(err)).To(BeTrue(), "a plain Patch reports the object gone: %v", err)
			}
		})
	}
}

func withAnnotation(obj *sourcev1.GitRepository) *sourcev1.GitRepository {
	obj.Annotations = map[string]string{"x": "y"}
	return obj
}

// TestFinish_WritesOnce: a failed reconcile that recovers costs one status request through
// Finish, and a repeated identical outcome costs none.
func TestFinish_WritesOnce(t *testing.T) {
	needEnv(t)
	g := NewWithT(t)
	obj := newRepo(t, env.CreateNamespace(t, "patcher"))
	table := Conditions{Negative: []string{sourcev1.FetchFailedCondition}, Positive: []string{sourcev1.ArtifactInStorageCondition}}
	for i, want := range []map[string]int{{"PATCH status": 1}, {}} {
		p := NewPatcher(obj, counted)
		conditions.Delete(obj, sourcev1.FetchFailedCondition)
		conditions.MarkTrue(obj, sourcev1.ArtifactInStorageCondition, meta.SucceededReason, "stored")
		obj.Status.Artifact = testArtifact("abc")
		requests.reset()
		_, err := Finish{Patcher: p, Conditions: table, FieldOwner: testOwner, ReadyMessage: "stored"}.Apply(t.Context(), obj, nil)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(requests.reset()).To(Equal(want), "reconcile %d", i)
		got := &sourcev1.GitRepository{}
		g.Expect(env.Client.Get(t.Context(), client.ObjectKeyFromObject(obj), got)).To(Succeed())
		g.Expect(conditions.IsReady(got)).To(BeTrue())
		g.Expect(got.Status.Artifact).NotTo(BeNil())
		g.Expect(got.Status.ObservedGeneration).To(Equal(got.Generation))
		obj = got
	}
}

func TestSetObservedGeneration(t *testing.T) {
	repo := &sourcev1.GitRepository{ObjectMeta: metav1.ObjectMeta{Generation: 3}}
	if err := setObservedGeneration(repo); err != nil || repo.Status.ObservedGeneration != 3 {
		t.Errorf("GitRepository: observedGeneration = %d, err = %v; want 3, nil", repo.Status.ObservedGeneration, err)
	}
	if err := setObservedGeneration(&corev1.ConfigMap{}); err == nil {
		t.Error("ConfigMap: want an error, it has no status.observedGeneration")
	}
}
