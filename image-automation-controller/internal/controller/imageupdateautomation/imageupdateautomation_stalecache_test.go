package imageupdateautomation

import (
	"testing"

	"github.com/fluxcd/pkg/apis/meta"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	imagev1 "github.com/eddy-gitops/eddy/api/image/v1"
	"github.com/eddy-gitops/eddy/image-automation-controller/internal/gitpush"
	"github.com/eddy-gitops/eddy/image-automation-controller/internal/gitpush/gitpushtest"
	"github.com/eddy-gitops/eddy/pkg/reconcile"
	"github.com/eddy-gitops/eddy/pkg/testenv"
)

// TestStaleCopyIsNotRun: an automation read older than the reconciler's own last write of it is
// not run again (which would fetch the repository and write the outcome, with a new run time, a
// second time); the reconcile comes back shortly instead.
func TestStaleCopyIsNotRun(t *testing.T) {
	g := NewWithT(t)
	ns := env.CreateNamespace(t, "iua-stale")
	srv := gitpushtest.NewServer(t)
	srv.InitRepo(t, repoPath, "main", map[string]string{"deploy/app.yaml": deployment(ns, "1.1.0")})
	gitRepository(t, ns, srv, false)
	imagePolicy(t, ns, "app", imagev1.ImageRef{Name: "ghcr.io/org/app", Tag: "1.1.0"}, nil)
	obj := automation(ns)
	env.CreateAndWait(t, obj)
	older := obj.DeepCopy() // as created: before any write of the controller
	g.Expect(older.ResourceVersion).NotTo(BeEmpty())
	ready := waitReady(t, obj, metav1.ConditionTrue, meta.SucceededReason)
	g.Expect(ready.Status.LastAutomationRunTime).NotTo(BeNil())

	rec, err := newRecorder(env.Manager)
	g.Expect(err).NotTo(HaveOccurred())
	r := &Reconciler{Client: testenv.LaggingClient{Client: env.Client, Stale: older}, Recorder: rec,
		ControllerName: "image-automation-controller", Clones: gitpush.NewCache(t.TempDir())}
	r.written.Record(ready) // this reconciler wrote the Ready status
	key := client.ObjectKeyFromObject(obj)
	res, err := r.Reconcile(t.Context(), ctrl.Request{NamespacedName: key})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(res.RequeueAfter).To(Equal(reconcile.StaleRetry))

	got := &imagev1.ImageUpdateAutomation{}
	g.Expect(env.Client.Get(t.Context(), key, got)).To(Succeed())
	g.Expect(got.ResourceVersion).To(Equal(ready.ResourceVersion), "nothing was written")
	g.Expect(got.Status.LastAutomationRunTime).To(Equal(ready.Status.LastAutomationRunTime))
}
