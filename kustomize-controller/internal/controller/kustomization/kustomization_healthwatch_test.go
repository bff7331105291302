package kustomization

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	. "github.com/onsi/gomega"
	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kustomizev1 "github.com/eddy-gitops/eddy/api/kustomize/v1"
)

func deploymentManifest(ns, name string, replicas int) string {
	return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ` + name + `
  namespace: ` + ns + `
spec:
  replicas: ` + strconv.Itoa(replicas) + `
  selector: {matchLabels: {app: ` + name + `}}
  template:
    metadata: {labels: {app: ` + name + `}}
    spec: {containers: [{name: web, image: ghcr.io/stefanprodan/podinfo:6.7.0}]}
`
}

// TestHealth_ReadyFromTheWatch: with wait, interval 1h and a 10-minute timeout, a Deployment
// that cannot become Available (one replica, no kubelet) keeps the Kustomization progressing
// without holding a worker; once another client scales it to 0 replicas, kube-controller-
// manager makes it Available and the Kustomization becomes Ready through the watch (the only
// requeue it asked for is at the 10-minute timeout).
func TestHealth_ReadyFromTheWatch(t *testing.T) {
	g := NewWithT(t)
	ns := env.CreateNamespace(t, "healthwatch")
	// IfNotPresent: the controller creates the Deployment and leaves later changes alone, so
	// the test can scale it.
	manifest := strings.Replace(deploymentManifest(ns, "web", 1), "metadata:\n  name: web\n",
		"metadata:\n  name: web\n  annotations: {"+kustomizev1.SSAAnnotation+": "+kustomizev1.IfNotPresentValue+"}\n", 1)
	repo := createSource(t, ns, "repo", map[string]string{"d.yaml": manifest})
	ks := newKustomization(ns, "web", "repo", "./")
	ks.Spec.Wait = true
	ks.Spec.Timeout = &metav1.Duration{Duration: 10 * time.Minute}
	env.CreateAndWait(t, ks)
	key := client.ObjectKeyFromObject(ks)
	g.Eventually(func(g Gomega) {
		got := getKs(g, t.Context(), key)
		g.Expect(conditions.IsUnknown(got, meta.ReadyCondition)).To(BeTrue())
		g.Expect(conditions.GetMessage(got, meta.ReconcilingCondition)).To(HavePrefix("Running health checks for revision"))
	}, 60*time.Second, 100*time.Millisecond).Should(Succeed())

	g.Eventually(func() error {
		d := &appsv1.Deployment{}
		if err := env.Client.Get(t.Context(), client.ObjectKey{Namespace: ns, Name: "web"}, d); err != nil {
			return err
		}
		d.Spec.Replicas = ptr.To[int32](0)
		return env.Client.Update(t.Context(), d, client.FieldOwner("scaler"))
	}, 10*time.Second, 50*time.Millisecond).Should(Succeed())
	got := waitApplied(t, key, revisionOf(t, repo))
	g.Expect(conditions.IsTrue(got, kustomizev1.HealthyCondition)).To(BeTrue())
	g.Expect(conditions.GetMessage(got, kustomizev1.HealthyCondition)).To(HavePrefix("Health check passed in "))
}

// TestHealth_SlowDoesNotBlockOthers: a Kustomization waiting for a Deployment that never
// becomes Available (no kubelet runs its pod) does not hold the single worker: a second
// Kustomization created after it becomes Ready, while the first reports the wait as progress
// (Ready=Unknown, Reconciling=True).
func TestHealth_SlowDoesNotBlockOthers(t *testing.T) {
	g := NewWithT(t)
	ns := env.CreateNamespace(t, "healthslow")
	slowRepo := createSource(t, ns, "slow", map[string]string{"d.yaml": deploymentManifest(ns, "stuck", 1)})
	slow := newKustomization(ns, "slow", "slow", "./")
	slow.Spec.Wait = true
	slow.Spec.Timeout = &metav1.Duration{Duration: 10 * time.Minute}
	env.CreateAndWait(t, slow)
	slowKey := client.ObjectKeyFromObject(slow)
	g.Eventually(func(g Gomega) {
		got := getKs(g, t.Context(), slowKey)
		g.Expect(got.Status.LastAttemptedRevision).To(Equal(revisionOf(t, slowRepo)))
		g.Expect(conditions.IsUnknown(got, meta.ReadyCondition)).To(BeTrue())
		g.Expect(conditions.IsReconciling(got)).To(BeTrue())
		g.Expect(conditions.GetMessage(got, meta.ReconcilingCondition)).To(HavePrefix("Running health checks for revision"))
	}, 60*time.Second, 100*time.Millisecond).Should(Succeed())

	fastRepo := createSource(t, ns, "fast", map[string]string{"c.yaml": configMap(ns, "c", map[string]string{"k": "v"}, nil)})
	fast := newKustomization(ns, "fast", "fast", "./")
	fast.Spec.Wait = true
	env.CreateAndWait(t, fast)
	waitApplied(t, client.ObjectKeyFromObject(fast), revisionOf(t, fastRepo))
	g.Expect(conditions.IsReady(getKs(g, t.Context(), slowKey))).To(BeFalse(), "the slow one is still waiting")
}

// TestHealth_CreatedDeploymentReadyFromTheWatch: revisions that add a Deployment become Ready
// through the watch, as kube-controller-manager writes the new Deployment's status, long
// before the 10-minute timeout.
func TestHealth_CreatedDeploymentReadyFromTheWatch(t *testing.T) {
	ns := env.CreateNamespace(t, "healthcreatedwatch")
	files := map[string]string{"seed.yaml": deploymentManifest(ns, "seed", 0)}
	repo := createSource(t, ns, "repo", files)
	ks := newKustomization(ns, "app", "repo", "./")
	ks.Spec.Wait = true
	ks.Spec.Timeout = &metav1.Duration{Duration: 10 * time.Minute}
	env.CreateAndWait(t, ks)
	key := client.ObjectKeyFromObject(ks)
	waitApplied(t, key, revisionOf(t, repo)) // the Deployment informer runs from now on

	for _, name := range []string{"web", "api"} {
		files[name+".yaml"] = deploymentManifest(ns, name, 0)
		setArtifact(t, repo, artifacts.publish(t, files))
		got := waitApplied(t, key, revisionOf(t, repo))
		NewWithT(t).Expect(conditions.GetMessage(got, kustomizev1.HealthyCondition)).To(HavePrefix("Health check passed in "))
	}
}
