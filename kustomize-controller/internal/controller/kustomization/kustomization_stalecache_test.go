package kustomization

import (
	"context"
	"testing"

	"github.com/fluxcd/pkg/runtime/conditions"
	. "github.com/onsi/gomega"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kustomizev1 "github.com/eddy-gitops/eddy/api/kustomize/v1"
	"github.com/eddy-gitops/eddy/pkg/reconcile"
)

// laggingClient serves one Kustomization from a copy taken earlier, as an informer that has not
// yet delivered the reconciler's last write would; every other request goes to the API server.
// The lag of a real cache is a matter of milliseconds and cannot be produced on demand, hence
// this wrapper around the real client.
type laggingClient struct {
	client.Client
	key   client.ObjectKey
	stale *kustomizev1.Kustomization
}

func (c laggingClient) Get(ctx context.Context, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
	if k, ok := obj.(*kustomizev1.Kustomization); ok && key == c.key {
		c.stale.DeepCopyInto(k)
		return nil
	}
	return c.Client.Get(ctx, key, obj, opts...)
}

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
	manual.Client = laggingClient{Client: own, key: key, stale: before}
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
