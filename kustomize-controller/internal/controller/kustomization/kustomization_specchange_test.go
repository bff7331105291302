package kustomization

import (
	"testing"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kustomizev1 "github.com/eddy-gitops/eddy/api/kustomize/v1"
)

// changeSpec applies change to the stored Kustomization and returns its new generation.
func changeSpec(t testing.TB, key client.ObjectKey, change func(*kustomizev1.Kustomization)) int64 {
	t.Helper()
	var generation int64
	NewWithT(t).Eventually(func(g Gomega) {
		ks := getKs(g, t.Context(), key)
		patch := client.MergeFrom(ks.DeepCopy())
		change(ks)
		g.Expect(env.Client.Patch(t.Context(), ks, patch)).To(Succeed())
		generation = ks.Generation
	}, 10*time.Second, 50*time.Millisecond).Should(Succeed())
	return generation
}

// TestSpecChange_SchedulingFieldsCostNoRequests: changing fields that only decide when a
// reconcile runs, what it checks or what it prunes (here interval, timeout, prune, wait and a
// suspend followed by a resume) is observed with one status write and no request per object:
// nothing is validated or applied again.
func TestSpecChange_SchedulingFieldsCostNoRequests(t *testing.T) {
	ns := env.CreateNamespace(t, "specsched")
	files := numberedConfigMaps(ns, "cm-%02d", 20)
	key := manualKustomization(t, ns, files, nil)
	changes := []struct {
		name   string
		before func(*kustomizev1.Kustomization) // an earlier change, reconciled before the measured one
		change func(*kustomizev1.Kustomization)
	}{
		{name: "interval", change: func(k *kustomizev1.Kustomization) { k.Spec.Interval = metav1.Duration{Duration: 2 * time.Hour} }},
		{name: "timeout", change: func(k *kustomizev1.Kustomization) { k.Spec.Timeout = &metav1.Duration{Duration: 3 * time.Minute} }},
		{name: "prune", change: func(k *kustomizev1.Kustomization) { k.Spec.Prune = !k.Spec.Prune }},
		{name: "wait", change: func(k *kustomizev1.Kustomization) { k.Spec.Wait = true }},
		{name: "suspend and resume",
			before: func(k *kustomizev1.Kustomization) { k.Spec.Suspend = true },
			change: func(k *kustomizev1.Kustomization) { k.Spec.Suspend = false }},
	}
	for _, c := range changes {
		t.Run(c.name, func(t *testing.T) {
			g := NewWithT(t)
			if c.before != nil {
				changeSpec(t, key, c.before)
				_, err := manual.Reconcile(t.Context(), ctrl.Request{NamespacedName: key})
				g.Expect(err).NotTo(HaveOccurred())
			}
			generation := changeSpec(t, key, c.change)
			requests.reset()
			statusRequests.reset()
			_, err := manual.Reconcile(t.Context(), ctrl.Request{NamespacedName: key})
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(requests.reset()).To(BeEmpty(), "no request to the cluster per object")
			g.Expect(statusRequests.reset()).To(HaveKeyWithValue("PATCH status", 1), "one status write")
			got := getKs(g, t.Context(), key)
			g.Expect(got.Status.ObservedGeneration).To(Equal(generation))
			g.Expect(conditions.IsReady(got)).To(BeTrue(), conditions.GetMessage(got, meta.ReadyCondition))
		})
	}
}

// TestSpecChange_ApplyFieldAppliesTheSet: a change of a field that can change how objects are
// applied (here force) validates and applies the whole set once, as Flux does.
func TestSpecChange_ApplyFieldAppliesTheSet(t *testing.T) {
	g := NewWithT(t)
	ns := env.CreateNamespace(t, "specapply")
	files := numberedConfigMaps(ns, "cm-%02d", 20)
	key := manualKustomization(t, ns, files, nil)
	generation := changeSpec(t, key, func(k *kustomizev1.Kustomization) { k.Spec.Force = true })
	requests.reset()
	_, err := manual.Reconcile(t.Context(), ctrl.Request{NamespacedName: key})
	g.Expect(err).NotTo(HaveOccurred())
	total := 0
	for _, n := range requests.reset() {
		total += n
	}
	g.Expect(total).To(BeNumerically(">=", 20), "every object is sent again")
	g.Expect(getKs(g, t.Context(), key).Status.ObservedGeneration).To(Equal(generation))
}

// TestSpecChange_HealthyObjectsAreNotReadAgain: with wait: true, a scheduling change after the
// objects were seen healthy reads none of them again. The Namespace is a kind whose health is
// read from the cluster (ConfigMaps are healthy as soon as the watch holds them).
func TestSpecChange_HealthyObjectsAreNotReadAgain(t *testing.T) {
	g := NewWithT(t)
	ns := env.CreateNamespace(t, "spechealth")
	files := numberedConfigMaps(ns, "cm-%02d", 5)
	files["namespace.yaml"] = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: " + ns + "-extra\n"
	key := manualKustomization(t, ns, files, func(k *kustomizev1.Kustomization) { k.Spec.Wait = true })
	g.Eventually(func(g Gomega) {
		_, err := manual.Reconcile(t.Context(), ctrl.Request{NamespacedName: key})
		g.Expect(err).NotTo(HaveOccurred())
		got := getKs(g, t.Context(), key)
		g.Expect(conditions.IsTrue(got, kustomizev1.HealthyCondition)).To(BeTrue(), conditions.GetMessage(got, kustomizev1.HealthyCondition))
	}, 30*time.Second, 100*time.Millisecond).Should(Succeed())

	generation := changeSpec(t, key, func(k *kustomizev1.Kustomization) { k.Spec.Interval = metav1.Duration{Duration: 3 * time.Hour} })
	requests.reset()
	_, err := manual.Reconcile(t.Context(), ctrl.Request{NamespacedName: key})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(requests.reset()).To(BeEmpty(), "the Namespace was seen healthy and did not change: not read again")
	got := getKs(g, t.Context(), key)
	g.Expect(got.Status.ObservedGeneration).To(Equal(generation))
	g.Expect(conditions.IsTrue(got, kustomizev1.HealthyCondition)).To(BeTrue())
	g.Expect(conditions.IsReady(got)).To(BeTrue(), conditions.GetMessage(got, meta.ReadyCondition))
}
