package imagepolicy

import (
	"testing"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	imagev1 "github.com/eddy-gitops/eddy/api/image/v1"
	"github.com/eddy-gitops/eddy/image-automation-controller/internal/registry"
	"github.com/eddy-gitops/eddy/image-automation-controller/internal/registry/registrytest"
	"github.com/eddy-gitops/eddy/image-automation-controller/internal/tagstore"
	"github.com/eddy-gitops/eddy/pkg/reconcile"
	"github.com/eddy-gitops/eddy/pkg/testenv"
)

// TestStaleCopyIsNotReconciled: a policy read older than the reconciler's own last write of it
// is not resolved again (which would write the status and announce the latest image a second
// time); the reconcile comes back shortly instead.
func TestStaleCopyIsNotReconciled(t *testing.T) {
	g := NewWithT(t)
	ns := env.CreateNamespace(t, "stale")
	reg := registrytest.New(t, registrytest.Options{})
	reg.Push(t, "app", "1.0.0", "1.1.0")
	env.CreateAndWait(t, newRepo(ns, "app", reg.Host+"/app"))
	pol := newPolicy(ns, "app", "app", semver("1.x"))
	env.CreateAndWait(t, pol)
	key := client.ObjectKeyFromObject(pol)
	older := pol.DeepCopy() // as created: before any write of the controller
	g.Expect(older.ResourceVersion).NotTo(BeEmpty())
	ready := waitFor(t, key, metav1.ConditionTrue, meta.SucceededReason)
	// The manager's recorder writes events asynchronously: count them only once the event for
	// the Ready status is stored, or a late one would look like a second announcement.
	g.Eventually(func() []string { return eventsFor(t, ns, "app") }, 10*time.Second).
		Should(ContainElement("Normal/Succeeded: " + readyOf(ready)))
	events := len(eventsFor(t, ns, "app"))

	store, err := tagstore.New(t.TempDir())
	g.Expect(err).NotTo(HaveOccurred())
	r := &Reconciler{Client: testenv.LaggingClient{Client: env.Client, Stale: older}, Store: store,
		Recorder: env.Manager.GetEventRecorderFor(controllerName), Registry: &registry.Client{}, FieldOwner: controllerName}
	r.written.Record(ready) // this reconciler wrote the Ready status
	res, err := r.Reconcile(t.Context(), ctrl.Request{NamespacedName: key})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(res.RequeueAfter).To(Equal(reconcile.StaleRetry))

	got := &imagev1.ImagePolicy{}
	g.Expect(env.Client.Get(t.Context(), key, got)).To(Succeed())
	g.Expect(got.ResourceVersion).To(Equal(ready.ResourceVersion), "nothing was written")
	g.Consistently(func() int { return len(eventsFor(t, ns, "app")) }, "500ms").Should(Equal(events))
}
