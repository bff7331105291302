package kustomization

import (
	"fmt"
	"testing"
	"time"

	"github.com/fluxcd/pkg/runtime/conditions"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kustomizev1 "github.com/eddy-gitops/eddy/api/kustomize/v1"
)

// editCM changes one data key of a ConfigMap with a plain update, as `kubectl edit` does.
func editCM(t *testing.T, ns, name, key, value string) {
	t.Helper()
	editCMAs(t, "kubectl-edit", ns, name, key, value)
}

// editCMAs sets one data key of a ConfigMap as field manager manager.
func editCMAs(t *testing.T, manager, ns, name, key, value string) {
	t.Helper()
	NewWithT(t).Eventually(func() error {
		cm := &corev1.ConfigMap{}
		if err := env.Client.Get(t.Context(), client.ObjectKey{Namespace: ns, Name: name}, cm); err != nil {
			return err
		}
		cm.Data[key] = value
		return env.Client.Update(t.Context(), cm, client.FieldOwner(manager))
	}, 10*time.Second, 50*time.Millisecond).Should(Succeed())
}

// TestDrift_CorrectedFromTheWatch: with interval 1h, an edit of a managed field by another
// client is seen on the watch and corrected without waiting for the interval; the other object
// is left alone.
func TestDrift_CorrectedFromTheWatch(t *testing.T) {
	g := NewWithT(t)
	ns := env.CreateNamespace(t, "drift")
	repo := createSource(t, ns, "repo", map[string]string{
		"a.yaml": configMap(ns, "a", map[string]string{"k": "v"}, nil),
		"b.yaml": configMap(ns, "b", map[string]string{"k": "v"}, nil),
	})
	ks := newKustomization(ns, "drift", "repo", "./")
	env.CreateAndWait(t, ks)
	waitApplied(t, client.ObjectKeyFromObject(ks), revisionOf(t, repo))
	untouched := getCM(g, t.Context(), ns, "b").ResourceVersion

	editCM(t, ns, "a", "k", "edited")
	g.Eventually(func(g Gomega) {
		g.Expect(getCM(g, t.Context(), ns, "a").Data).To(HaveKeyWithValue("k", "v"))
	}, 30*time.Second, 50*time.Millisecond).Should(Succeed(), "drift must be corrected from the watch, not at the 1h interval")
	g.Expect(getCM(g, t.Context(), ns, "b").ResourceVersion).To(Equal(untouched), "only the drifted object is applied")
}

// TestDrift_OtherManagersFieldsLeftAlone: a field added by another manager (one the
// Kustomization does not set) is not drift: it is neither removed nor fought over. kubectl is
// not such a manager: what it adds is removed (TestSSAPolicy).
func TestDrift_OtherManagersFieldsLeftAlone(t *testing.T) {
	g := NewWithT(t)
	ns := env.CreateNamespace(t, "driftother")
	repo := createSource(t, ns, "repo", map[string]string{"a.yaml": configMap(ns, "a", map[string]string{"k": "v"}, nil)})
	ks := newKustomization(ns, "drift", "repo", "./")
	env.CreateAndWait(t, ks)
	key := client.ObjectKeyFromObject(ks)
	waitApplied(t, key, revisionOf(t, repo))

	editCMAs(t, "some-operator", ns, "a", "extra", "theirs")
	// Force a reconcile and wait until it was handled: the extra key must survive it.
	token := requestReconcile(t, key)
	g.Eventually(func(g Gomega) {
		g.Expect(getKs(g, t.Context(), key).Status.LastHandledReconcileAt).To(Equal(token))
	}, 30*time.Second, 50*time.Millisecond).Should(Succeed())
	g.Expect(getCM(g, t.Context(), ns, "a").Data).To(Equal(map[string]string{"k": "v", "extra": "theirs"}))
}

// TestDrift_WarnModeReportsOnly: with driftDetection.mode warn, an edit is reported with the
// Drifted condition and a DriftDetected warning event, and the object keeps the edit.
func TestDrift_WarnModeReportsOnly(t *testing.T) {
	g := NewWithT(t)
	ns := env.CreateNamespace(t, "driftwarn")
	repo := createSource(t, ns, "repo", map[string]string{"a.yaml": configMap(ns, "a", map[string]string{"k": "v"}, nil)})
	ks := newKustomization(ns, "warn", "repo", "./")
	ks.Spec.DriftDetection = &kustomizev1.DriftDetection{Mode: kustomizev1.DriftDetectionWarn}
	env.CreateAndWait(t, ks)
	key := client.ObjectKeyFromObject(ks)
	waitApplied(t, key, revisionOf(t, repo))

	editCM(t, ns, "a", "k", "edited")
	g.Eventually(func(g Gomega) {
		got := getKs(g, t.Context(), key)
		g.Expect(conditions.IsTrue(got, kustomizev1.DriftedCondition)).To(BeTrue())
		g.Expect(conditions.GetReason(got, kustomizev1.DriftedCondition)).To(Equal(kustomizev1.DriftDetectedReason))
		g.Expect(conditions.GetMessage(got, kustomizev1.DriftedCondition)).To(ContainSubstring("ConfigMap/" + ns + "/a"))
		g.Expect(conditions.IsReady(got)).To(BeTrue())
		g.Expect(sink.find(ns, "warn", "Drift detected")).NotTo(BeEmpty())
	}, 30*time.Second, 50*time.Millisecond).Should(Succeed())
	g.Expect(sink.find(ns, "warn", "Drift detected")[0].Reason).To(Equal(kustomizev1.DriftDetectedReason))
	g.Expect(sink.find(ns, "warn", "Drift detected")[0].Severity).To(Equal("error"))
	g.Expect(getCM(g, t.Context(), ns, "a").Data).To(HaveKeyWithValue("k", "edited"), "warn mode must not correct")

	// A new revision applies the object again and clears the condition.
	setArtifact(t, repo, artifacts.publish(t, map[string]string{"a.yaml": configMap(ns, "a", map[string]string{"k": "v2"}, nil)}))
	waitApplied(t, key, revisionOf(t, repo))
	g.Expect(getCM(g, t.Context(), ns, "a").Data).To(HaveKeyWithValue("k", "v2"))
	g.Expect(conditions.Has(getKs(g, t.Context(), key), kustomizev1.DriftedCondition)).To(BeFalse())
}

// TestDrift_DeletedObjectRecreated: deleting a managed object is drift too.
func TestDrift_DeletedObjectRecreated(t *testing.T) {
	g := NewWithT(t)
	ns := env.CreateNamespace(t, "driftdel")
	repo := createSource(t, ns, "repo", map[string]string{"a.yaml": configMap(ns, "a", map[string]string{"k": "v"}, nil)})
	ks := newKustomization(ns, "drift", "repo", "./")
	env.CreateAndWait(t, ks)
	waitApplied(t, client.ObjectKeyFromObject(ks), revisionOf(t, repo))
	old := getCM(g, t.Context(), ns, "a")
	g.Expect(env.Client.Delete(t.Context(), old)).To(Succeed())
	g.Eventually(func(g Gomega) {
		cm := getCM(g, t.Context(), ns, "a")
		g.Expect(cm).NotTo(BeNil())
		g.Expect(cm.UID).NotTo(Equal(old.UID))
	}, 30*time.Second, 50*time.Millisecond).Should(Succeed())
}

// TestDrift_CRDDeletedWithItsResources: someone deletes a CRD that a Kustomization applies,
// and the API server deletes its custom resources with it. Both are re-applied from the watch,
// without a new revision: the informer of the vanished kind must not keep claiming that
// nothing changed.
func TestDrift_CRDDeletedWithItsResources(t *testing.T) {
	g := NewWithT(t)
	ns := env.CreateNamespace(t, "driftcrd")
	crdName := "gizmos.localval.eddy.dev"
	gizmo := schema.GroupVersionKind{Group: "localval.eddy.dev", Version: "v1", Kind: "Gizmo"}
	repo := createSource(t, ns, "repo", map[string]string{
		"crd.yaml": fmt.Sprintf(crdManifest, "gizmo", "Gizmo"),
		"cr.yaml":  fmt.Sprintf("apiVersion: localval.eddy.dev/v1\nkind: Gizmo\nmetadata:\n  name: one\n  namespace: %s\nspec: {size: 1}\n", ns),
	})
	ks := newKustomization(ns, "drift", "repo", "./")
	env.CreateAndWait(t, ks)
	t.Cleanup(func() {
		deleteAndWait(t, ks)
		deleteCRDAndWait(t, crdName)
	})
	waitApplied(t, client.ObjectKeyFromObject(ks), revisionOf(t, repo))
	cr := &unstructured.Unstructured{}
	cr.SetGroupVersionKind(gizmo)
	g.Expect(env.Client.Get(t.Context(), client.ObjectKey{Namespace: ns, Name: "one"}, cr)).To(Succeed())
	oldUID := cr.GetUID()

	deleteCRDAndWait(t, crdName)
	g.Eventually(func(g Gomega) {
		again := &unstructured.Unstructured{}
		again.SetGroupVersionKind(gizmo)
		k := getKs(g, t.Context(), client.ObjectKeyFromObject(ks))
		g.Expect(env.Client.Get(t.Context(), client.ObjectKey{Namespace: ns, Name: "one"}, again)).To(Succeed(),
			"Kustomization Ready: %s", conditions.GetMessage(k, "Ready"))
		g.Expect(again.GetUID()).NotTo(Equal(oldUID))
	}, 60*time.Second, 200*time.Millisecond).Should(Succeed(), "the custom resource deleted with its CRD was not re-applied")
}
