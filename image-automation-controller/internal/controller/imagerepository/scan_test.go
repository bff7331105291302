package imagerepository

import (
	"errors"
	"net/http"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	imagev1 "github.com/eddy-gitops/eddy/api/image/v1"
	"github.com/eddy-gitops/eddy/image-automation-controller/internal/registry"
	"github.com/eddy-gitops/eddy/image-automation-controller/internal/registry/registrytest"
	"github.com/eddy-gitops/eddy/image-automation-controller/internal/tagstore"
)

func TestScanRecordsTagsAndEvents(t *testing.T) {
	g := NewWithT(t)
	ns := env.CreateNamespace(t, "scan")
	reg := registrytest.New(t, registrytest.Options{})
	reg.Push(t, "team/app", "1.0.0", "1.1.0", "sha256-abc.sig", "latest")

	obj := newRepo(ns, "app", reg.Host+"/team/app")
	env.CreateAndWait(t, obj)
	got := waitFor(t, client.ObjectKeyFromObject(obj), metav1.ConditionTrue, meta.SucceededReason)

	res := got.Status.LastScanResult
	g.Expect(res).NotTo(BeNil(), "%+v", got.Status)
	g.Expect(res.TagCount).To(Equal(3), "the .sig tag is excluded by default")
	g.Expect(res.LatestTags).To(Equal([]string{"latest", "1.1.0", "1.0.0"}))
	g.Expect(res.Revision).To(Equal(tagstore.Revision([]string{"1.0.0", "1.1.0", "latest"})))
	g.Expect(got.Status.CanonicalImageName).To(Equal(reg.Host + "/team/app"))
	g.Expect(got.Status.ObservedExclusionList).To(Equal(imagev1.DefaultExclusionList))
	g.Expect(got.Finalizers).To(ContainElement(imagev1.ImageFinalizer))
	wantMsg := "successful scan: found 3 tags with checksum " + res.Revision
	g.Expect(got.Status.Conditions).To(ContainElement(And(
		HaveField("Type", meta.ReadyCondition), HaveField("Message", wantMsg))))

	stored, err := store.Load(ns, "app")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(stored.Tags).To(Equal([]string{"1.0.0", "1.1.0", "latest"}))
	g.Eventually(func() []string { return eventsFor(t, ns, "app") }, 10*time.Second).
		Should(ContainElement("Normal/Succeeded: " + wantMsg))

	// A new tag plus a reconcile request: a rescan, a new checksum, the request acknowledged.
	reg.Push(t, "team/app", "2.0.0")
	patch := client.MergeFrom(got.DeepCopy())
	got.Annotations = map[string]string{meta.ReconcileRequestAnnotation: "now-1"}
	g.Expect(env.Client.Patch(t.Context(), got, patch)).To(Succeed())
	got = waitFor(t, client.ObjectKeyFromObject(obj), metav1.ConditionTrue, meta.SucceededReason,
		func(o *imagev1.ImageRepository) bool { return o.Status.LastHandledReconcileAt == "now-1" })
	g.Expect(got.Status.LastScanResult.TagCount).To(Equal(4))
	g.Expect(got.Status.LastScanResult.LatestTags[1]).To(Equal("2.0.0"))

	// Deletion forgets the stored list.
	g.Expect(env.Client.Delete(t.Context(), got)).To(Succeed())
	g.Eventually(func() bool {
		err := env.Client.Get(t.Context(), client.ObjectKeyFromObject(obj), &imagev1.ImageRepository{})
		return apierrors.IsNotFound(err)
	}, 30*time.Second).Should(BeTrue())
	_, err = store.Load(ns, "app")
	g.Expect(errors.Is(err, tagstore.ErrNotFound)).To(BeTrue(), "stored list after deletion: %v", err)
}

func TestScanExclusionList(t *testing.T) {
	g := NewWithT(t)
	ns := env.CreateNamespace(t, "excl")
	reg := registrytest.New(t, registrytest.Options{})
	reg.Push(t, "app", "1.0.0", "1.0.0-debug", "main-abc", "x.sig")

	obj := newRepo(ns, "app", reg.Host+"/app")
	obj.Spec.ExclusionList = []string{`-debug$`, `^main-`}
	env.CreateAndWait(t, obj)
	got := waitFor(t, client.ObjectKeyFromObject(obj), metav1.ConditionTrue, meta.SucceededReason)
	// A custom list replaces the default one, so the .sig tag is kept.
	g.Expect(got.Status.LastScanResult.LatestTags).To(Equal([]string{"x.sig", "1.0.0"}))
	g.Expect(got.Status.ObservedExclusionList).To(Equal(obj.Spec.ExclusionList))
}

func TestScanFailures(t *testing.T) {
	tests := []struct {
		name    string
		image   func(t *testing.T) string
		mutate  func(o *imagev1.ImageRepository)
		reason  string
		stalled bool
		message string
	}{
		{
			name:    "image with a tag is stalled",
			image:   func(*testing.T) string { return "ghcr.io/org/app:1.0" },
			reason:  imagev1.ImageURLInvalidReason,
			stalled: true,
			message: "must not contain a tag or digest",
		},
		{
			name: "bad exclusion pattern is stalled",
			image: func(t *testing.T) string {
				return registrytest.New(t, registrytest.Options{}).Host + "/app"
			},
			mutate:  func(o *imagev1.ImageRepository) { o.Spec.ExclusionList = []string{"(unclosed"} },
			reason:  imagev1.ReadOperationFailedReason,
			stalled: true,
			message: `invalid exclusionList pattern "(unclosed"`,
		},
		{
			name:    "cloud provider is stalled with a clear message",
			image:   func(*testing.T) string { return "123456789012.dkr.ecr.eu-west-1.amazonaws.com/app" },
			mutate:  func(o *imagev1.ImageRepository) { o.Spec.Provider = imagev1.AWSProvider },
			reason:  imagev1.AuthenticationFailedReason,
			stalled: true,
			message: `spec.provider "aws" is not supported yet`,
		},
		{
			name: "malformed tag list",
			image: func(t *testing.T) string {
				return registrytest.New(t, registrytest.Options{Handler: registrytest.Malformed()}).Host + "/app"
			},
			reason:  imagev1.ReadOperationFailedReason,
			message: "malformed response",
		},
		{
			name: "registry slower than the timeout",
			image: func(t *testing.T) string {
				hang := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if r.URL.Path == "/v2/" {
						return
					}
					select {
					case <-r.Context().Done():
					case <-time.After(20 * time.Second):
					}
				})
				return registrytest.New(t, registrytest.Options{Handler: hang}).Host + "/app"
			},
			mutate:  func(o *imagev1.ImageRepository) { o.Spec.Timeout = &metav1.Duration{Duration: time.Second} },
			reason:  imagev1.ReadOperationFailedReason,
			message: "scan timed out after 1s",
		},
		{
			name:    "unreachable registry",
			image:   func(*testing.T) string { return "127.0.0.1:1/app" },
			reason:  imagev1.ReadOperationFailedReason,
			message: "connection refused",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			ns := env.CreateNamespace(t, "fail")
			obj := newRepo(ns, "app", tt.image(t))
			if tt.mutate != nil {
				tt.mutate(obj)
			}
			env.CreateAndWait(t, obj)
			got := waitFor(t, client.ObjectKeyFromObject(obj), metav1.ConditionFalse, tt.reason)
			ready := findCondition(got, meta.ReadyCondition)
			g.Expect(ready.Message).To(ContainSubstring(tt.message))
			stalled := findCondition(got, meta.StalledCondition)
			g.Expect(stalled != nil && stalled.Status == metav1.ConditionTrue).To(Equal(tt.stalled))
			g.Expect(got.Status.LastScanResult).To(BeNil())
			g.Eventually(func() []string { return eventsFor(t, ns, "app") }, 10*time.Second).
				Should(ContainElement(HavePrefix("Warning/" + tt.reason + ": ")))
		})
	}
}

// TestRestartReloadsTagStore plays a controller restart: a fresh Reconciler on the same tag
// directory sees the stored list and does not rescan before the interval; when the list is
// gone (a lost volume) it rescans at once.
func TestRestartReloadsTagStore(t *testing.T) {
	g := NewWithT(t)
	ns := env.CreateNamespace(t, "restart")
	var lists atomic.Int32
	reg := registrytest.New(t, registrytest.Options{Handler: registrytest.PagedTags([]string{"1", "2", "3"}, 100, &lists)})
	obj := newRepo(ns, "app", reg.Host+"/app")
	env.CreateAndWait(t, obj)
	first := waitFor(t, client.ObjectKeyFromObject(obj), metav1.ConditionTrue, meta.SucceededReason)
	g.Expect(lists.Load()).To(Equal(int32(1)))

	restarted := &Reconciler{Client: env.Client, Store: reopen(t), Registry: &registry.Client{}, FieldOwner: controllerName}
	req := ctrl.Request{NamespacedName: client.ObjectKeyFromObject(obj)}
	res, err := restarted.Reconcile(t.Context(), req)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(lists.Load()).To(Equal(int32(1)), "no rescan before the interval")
	g.Expect(res.RequeueAfter).To(BeNumerically("<=", time.Hour))
	g.Expect(res.RequeueAfter).To(BeNumerically(">", 50*time.Minute))
	again := &imagev1.ImageRepository{}
	g.Expect(env.Client.Get(t.Context(), req.NamespacedName, again)).To(Succeed())
	g.Expect(again.Status.LastScanResult.Revision).To(Equal(first.Status.LastScanResult.Revision))

	g.Expect(store.Delete(ns, "app")).To(Succeed())
	_, err = restarted.Reconcile(t.Context(), req)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(lists.Load()).To(Equal(int32(2)), "a missing list is rescanned")
	reloaded, err := store.Load(ns, "app")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(reloaded.Tags).To(Equal([]string{"1", "2", "3"}))
}

// reopen opens a second Store on the suite's directory, as a restarted controller would.
func reopen(t *testing.T) *tagstore.Store {
	t.Helper()
	s, err := tagstore.New(store.Dir())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func findCondition(o *imagev1.ImageRepository, typ string) *metav1.Condition {
	i := slices.IndexFunc(o.Status.Conditions, func(c metav1.Condition) bool { return c.Type == typ })
	if i < 0 {
		return nil
	}
	return &o.Status.Conditions[i]
}
