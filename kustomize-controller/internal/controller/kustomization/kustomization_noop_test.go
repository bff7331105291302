package kustomization

import (
	"fmt"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"

	kustomizev1 "github.com/eddy-gitops/eddy/api/kustomize/v1"
	sourcev1 "github.com/eddy-gitops/eddy/api/source/v1"
)

// TestNoop_SteadyStateWritesNoStatus: once a Kustomization is applied, reconciling it again
// without any change leaves the object untouched (no progress patches, no history update) and
// downloads nothing.
func TestNoop_SteadyStateWritesNoStatus(t *testing.T) {
	g := NewWithT(t)
	ns := env.CreateNamespace(t, "noop")
	repo := createSource(t, ns, "repo", map[string]string{"a.yaml": configMap(ns, "a", map[string]string{"k": "v"}, nil)})
	ks := newKustomization(ns, "noop", "repo", "./")
	ks.Spec.Wait = true
	env.CreateAndWait(t, ks)
	key := client.ObjectKeyFromObject(ks)
	waitApplied(t, key, revisionOf(t, repo))
	// The apply's own watch events queue the Kustomization again in the manager's controller,
	// which may then run on a cache that has not seen the final status write yet. Let it finish,
	// so that what follows measures the direct reconciles alone.
	waitControllerIdle(t)
	before := getKs(g, t.Context(), key)
	// The direct reconciles read through the manager's cache: let it catch up with the final
	// status write first, or they would reconcile an older state.
	g.Eventually(func(g Gomega) {
		cached := &kustomizev1.Kustomization{}
		g.Expect(reconciler.Client.Get(t.Context(), key, cached)).To(Succeed())
		g.Expect(cached.ResourceVersion).To(Equal(before.ResourceVersion))
	}, 30*time.Second, 20*time.Millisecond).Should(Succeed())
	extractions := cache.Extractions()

	for range 3 {
		res, err := reconciler.Reconcile(t.Context(), ctrl.Request{NamespacedName: key})
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(res.RequeueAfter).To(BeNumerically(">", 30*time.Minute), "requeued at the interval")
	}
	after := getKs(g, t.Context(), key)
	g.Expect(after.ResourceVersion).To(Equal(before.ResourceVersion), "a steady-state reconcile must not write the object")
	g.Expect(cache.Extractions()).To(Equal(extractions))
	g.Expect(getCM(g, t.Context(), ns, "a").Data).To(HaveKeyWithValue("k", "v"))
}

// waitControllerIdle waits until the manager's kustomization controller has an empty queue and
// no reconcile running (controller-runtime's workqueue_depth and active_workers metrics).
func waitControllerIdle(t *testing.T) {
	t.Helper()
	NewWithT(t).Eventually(func(g Gomega) {
		families, err := ctrlmetrics.Registry.Gather()
		g.Expect(err).NotTo(HaveOccurred())
		busy := map[string]float64{}
		for _, f := range families {
			for _, m := range f.GetMetric() {
				for _, l := range m.GetLabel() {
					if (l.GetName() == "controller" || l.GetName() == "name") && l.GetValue() == "kustomization" {
						busy[f.GetName()] += m.GetGauge().GetValue()
					}
				}
			}
		}
		g.Expect(busy).To(HaveKey("workqueue_depth"), "the controller's metrics are registered")
		g.Expect(busy).To(HaveKeyWithValue("workqueue_depth", 0.0))
		g.Expect(busy).To(HaveKeyWithValue("controller_runtime_active_workers", 0.0))
	}, 30*time.Second, 20*time.Millisecond).Should(Succeed())
}

// manualKustomization creates a Kustomization of files that only the manual reconciler
// handles, reconciles it until its objects are applied with the watch in sync (the first
// reconcile starts the informers, a second one applies with them) and returns its key.
func manualKustomization(t testing.TB, ns string, files map[string]string, spec func(*kustomizev1.Kustomization)) client.ObjectKey {
	t.Helper()
	g := NewWithT(t)
	repo := createSource(t, ns, "repo", files)
	ks := newKustomization(ns, "manual", "repo", "./")
	ks.Labels = map[string]string{manualLabel: "true"}
	if spec != nil {
		spec(ks)
	}
	env.CreateAndWait(t, ks)
	key := client.ObjectKeyFromObject(ks)
	g.Eventually(func(g Gomega) {
		_, err := manual.Reconcile(t.Context(), ctrl.Request{NamespacedName: key})
		g.Expect(err).NotTo(HaveOccurred())
		got := getKs(g, t.Context(), key)
		g.Expect(got.Status.LastAppliedRevision).To(Equal(revisionOf(t, repo)))
		g.Expect(manual.ledger.get(got)).NotTo(BeNil(), "applied with the watch in sync")
	}, 60*time.Second, 100*time.Millisecond).Should(Succeed())
	return key
}

// numberedConfigMaps is a source tree of n ConfigMaps in ns, one file each, named by format
// (e.g. "cm-%02d") and holding their number in data.i.
func numberedConfigMaps(ns, format string, n int) map[string]string {
	files := make(map[string]string, n)
	for i := range n {
		name := fmt.Sprintf(format, i)
		files[name+".yaml"] = configMap(ns, name, map[string]string{"i": fmt.Sprint(i)}, nil)
	}
	return files
}

// TestNoop_NoRequestPerObject counts the API requests of steady-state reconciles: none to the
// cluster (no GET, no dry-run, no health poll) and no status write; a requested reconcile
// writes the status once (lastHandledReconcileAt) and still sends nothing per object.
func TestNoop_NoRequestPerObject(t *testing.T) {
	g := NewWithT(t)
	ns := env.CreateNamespace(t, "nooprq")
	files := numberedConfigMaps(ns, "cm-%02d", 20)
	key := manualKustomization(t, ns, files, func(ks *kustomizev1.Kustomization) { ks.Spec.Wait = true })
	before := getKs(g, t.Context(), key)
	g.Expect(conditions.IsTrue(before, kustomizev1.HealthyCondition)).To(BeTrue())

	requests.reset()
	statusRequests.reset()
	for range 3 {
		_, err := manual.Reconcile(t.Context(), ctrl.Request{NamespacedName: key})
		g.Expect(err).NotTo(HaveOccurred())
	}
	g.Expect(requests.reset()).To(BeEmpty(), "no request to the cluster per object")
	g.Expect(statusRequests.reset()).NotTo(HaveKey(HavePrefix("PATCH")), "no status write")
	g.Expect(getKs(g, t.Context(), key).ResourceVersion).To(Equal(before.ResourceVersion))

	token := requestReconcile(t, key)
	_, err := manual.Reconcile(t.Context(), ctrl.Request{NamespacedName: key})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(requests.reset()).To(BeEmpty())
	g.Expect(statusRequests.reset()).To(HaveKeyWithValue("PATCH status", 1), "one status write")
	g.Expect(getKs(g, t.Context(), key).Status.LastHandledReconcileAt).To(Equal(token))
}

// TestNoop_DriftCostsOneObject: after drift of one object out of twenty, the reconcile sends
// requests for that object only. Edited by a controller of its own, the object is applied back
// with one request (the informers show everything the staged apply would look for); edited with
// kubectl, whose fields the staged apply takes over first, it goes through that apply.
func TestNoop_DriftCostsOneObject(t *testing.T) {
	tests := []struct {
		editor string
		want   map[string]int // nil: the staged apply (read, dry-run, cleanup, apply)
	}{
		{editor: "some-operator", want: map[string]int{"PATCH": 1}},
		{editor: "kubectl-edit"},
	}
	for _, tt := range tests {
		t.Run(tt.editor, func(t *testing.T) {
			g := NewWithT(t)
			ns := env.CreateNamespace(t, "noopdrift")
			files := numberedConfigMaps(ns, "cm-%02d", 20)
			key := manualKustomization(t, ns, files, nil)
			requests.reset()
			editCMAs(t, tt.editor, ns, "cm-07", "i", "edited")
			g.Eventually(func(g Gomega) {
				_, err := manual.Reconcile(t.Context(), ctrl.Request{NamespacedName: key})
				g.Expect(err).NotTo(HaveOccurred())
				g.Expect(getCM(g, t.Context(), ns, "cm-07").Data).To(HaveKeyWithValue("i", "7"))
			}, 30*time.Second, 50*time.Millisecond).Should(Succeed())
			total, counts := 0, requests.reset()
			for _, n := range counts {
				total += n
			}
			t.Logf("requests to correct one drifted object: %v", counts)
			if tt.want != nil {
				g.Expect(counts).To(Equal(tt.want))
				return
			}
			// ssa's apply of one object (GET, dry-run, managedFields cleanup, apply); validation
			// is skipped, the build did not change. A full apply would be > 40.
			g.Expect(counts).To(HaveKey("GET"))
			g.Expect(total).To(BeNumerically("<=", 4))
		})
	}
}

// TestNoop_ChangeCostsTheChangedObjects: a new revision that changes one ConfigMap out of
// twenty sends one request in all (the apply of that object, which validates it) and reports it
// as configured.
func TestNoop_ChangeCostsTheChangedObjects(t *testing.T) {
	g := NewWithT(t)
	ns := env.CreateNamespace(t, "noopchange")
	files := numberedConfigMaps(ns, "cm-%02d", 20)
	key := manualKustomization(t, ns, files, nil)
	files["cm-03.yaml"] = configMap(ns, "cm-03", map[string]string{"i": "changed"}, nil)
	repo := &sourcev1.GitRepository{}
	g.Expect(env.Client.Get(t.Context(), client.ObjectKey{Namespace: ns, Name: "repo"}, repo)).To(Succeed())
	setArtifact(t, repo, artifacts.publish(t, files))
	requests.reset()
	_, err := manual.Reconcile(t.Context(), ctrl.Request{NamespacedName: key})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(requests.reset()).To(Equal(map[string]int{"PATCH": 1}))
	g.Expect(getKs(g, t.Context(), key).Status.LastAppliedRevision).To(Equal(revisionOf(t, repo)))
	g.Expect(getCM(g, t.Context(), ns, "cm-03").Data).To(HaveKeyWithValue("i", "changed"))
	g.Expect(sink.find(ns, "manual", "ConfigMap/"+ns+"/cm-03 configured")).NotTo(BeEmpty())
}

// TestNoop_BadRevisionAfterSteadyState: once the controller applies only what changed, a new
// revision that changes a valid object and adds an invalid one still applies nothing.
func TestNoop_BadRevisionAfterSteadyState(t *testing.T) {
	g := NewWithT(t)
	ns := env.CreateNamespace(t, "noopbad")
	files := map[string]string{"a.yaml": configMap(ns, "a", map[string]string{"k": "v1"}, nil)}
	key := manualKustomization(t, ns, files, nil)
	files["a.yaml"] = configMap(ns, "a", map[string]string{"k": "v2"}, nil)
	files["bad.yaml"] = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bad\n  namespace: " + ns + "\ndata:\n  k: [not, a, string]\n"
	repo := &sourcev1.GitRepository{}
	g.Expect(env.Client.Get(t.Context(), client.ObjectKey{Namespace: ns, Name: "repo"}, repo)).To(Succeed())
	setArtifact(t, repo, artifacts.publish(t, files))
	_, _ = manual.Reconcile(t.Context(), ctrl.Request{NamespacedName: key})
	got := getKs(g, t.Context(), key)
	g.Expect(conditions.GetReason(got, meta.ReadyCondition)).To(Equal(kustomizev1.ReconciliationFailedReason))
	g.Expect(conditions.GetMessage(got, meta.ReadyCondition)).To(ContainSubstring("ConfigMap/" + ns + "/bad validation failed: data.k in body must be of type string"))
	g.Expect(getCM(g, t.Context(), ns, "a").Data).To(HaveKeyWithValue("k", "v1"), "nothing applied from the bad revision")
	g.Expect(getCM(g, t.Context(), ns, "bad")).To(BeNil())
}

// TestNoop_DriftCorrectionFailsAsBefore: a drifted object that can no longer be applied (made
// immutable along with the edit) is first applied with one request, as any drift correction by
// a controller of its own; that fails, and the staged apply takes the object over, so the
// reconcile fails with its usual dry-run message and nothing else is written.
func TestNoop_DriftCorrectionFailsAsBefore(t *testing.T) {
	g := NewWithT(t)
	ns := env.CreateNamespace(t, "noopimmut")
	files := numberedConfigMaps(ns, "cm-%02d", 3)
	key := manualKustomization(t, ns, files, nil)
	g.Eventually(func() error {
		cm := getCM(g, t.Context(), ns, "cm-01")
		cm.Data["i"] = "edited"
		immutable := true
		cm.Immutable = &immutable
		return env.Client.Update(t.Context(), cm, client.FieldOwner("some-operator"))
	}, 10*time.Second, 50*time.Millisecond).Should(Succeed())
	requests.reset()
	requests.key = dryRunKey
	t.Cleanup(func() { requests.key = nil })
	g.Eventually(func(g Gomega) {
		_, _ = manual.Reconcile(t.Context(), ctrl.Request{NamespacedName: key})
		got := getKs(g, t.Context(), key)
		g.Expect(conditions.IsFalse(got, meta.ReadyCondition)).To(BeTrue())
		g.Expect(conditions.GetMessage(got, meta.ReadyCondition)).To(ContainSubstring("ConfigMap/" + ns + "/cm-01 dry-run failed"))
	}, 30*time.Second, 50*time.Millisecond).Should(Succeed())
	counts := requests.reset()
	g.Expect(counts).To(HaveKey("PATCH"), "the one-request apply was tried: %v", counts)
	g.Expect(counts).To(HaveKey("GET"), "then the staged apply: %v", counts)
	g.Expect(counts).To(HaveKey("PATCH dry-run"), "then the staged apply: %v", counts)
	g.Expect(getCM(g, t.Context(), ns, "cm-01").Data).To(HaveKeyWithValue("i", "edited"))
	got := getKs(g, t.Context(), key)
	g.Expect(conditions.IsFalse(got, meta.ReadyCondition)).To(BeTrue())
	g.Expect(conditions.GetMessage(got, meta.ReadyCondition)).To(ContainSubstring("immutable"))
}
