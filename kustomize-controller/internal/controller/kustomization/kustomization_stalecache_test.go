package kustomization

import (
	"testing"

	"github.com/fluxcd/pkg/runtime/conditions"
	. "github.com/onsi/gomega"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/eddy-gitops/eddy/pkg/reconcile"
	"github.com/eddy-gitops/eddy/pkg/testenv"
)

// TestStaleCache_NoSecondWrite: a reconcile that starts from a copy older than the reconciler's
// own last write (the cache has not caught up) writes nothing and comes back shortly; once the
// copy is current, the steady state writes nothing either.
func TestStaleCache_NoSecondWrite(t *testing.T) {
	g := NewWithT(t)
	ns := env.CreateNamespace(t, "stale")
	createSource(t, ns, "repo", map[string]string{"a.yaml": configMap(ns, "a", map[string]string{"k": "v"}, nil)})
	ks := newKustomization(ns, "stale", "repo", "./")
	ks.Labels = map[string]string{manualLabel: "true"}
	env.CreateAndWait(t, ks)
	key := client.ObjectKeyFromObject(ks)
	before := getKs(g, t.Context(), key) // no finalizer, no status: what a lagging cache still holds

	_, err := manual.Reconcile(t.Context(), ctrl.Request{NamespacedName: key})
	g.Expect(err).NotTo(HaveOccurred())
	ready := getKs(g, t.Context(), key)
	g.Expect(conditions.IsReady(ready)).To(BeTrue(), "%v", ready.Status.Conditions)

	own := manual.Client
	t.Cleanup(func() { manual.Client = own })
	manual.Client = testenv.LaggingClient{Client: own, Stale: before}
	statusRequests.reset()
	res, err := manual.Reconcile(t.Context(), ctrl.Request{NamespacedName: key})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(res.RequeueAfter).To(Equal(reconcile.StaleRetry))
	g.Expect(statusRequests.reset()).NotTo(HaveKey(HavePrefix("PATCH")), "nothing is written from the older copy")
	after := getKs(g, t.Context(), key)
	g.Expect(after.ResourceVersion).To(Equal(ready.ResourceVersion))

	manual.Client = own
	res, err = manual.Reconcile(t.Context(), ctrl.Request{NamespacedName: key})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(res.RequeueAfter).NotTo(Equal(reconcile.StaleRetry))
	g.Expect(statusRequests.reset()).NotTo(HaveKey(HavePrefix("PATCH")), "the steady state writes nothing")
	g.Expect(getKs(g, t.Context(), key).ResourceVersion).To(Equal(ready.ResourceVersion))
}
