package imagepolicy

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"

	imagev1 "github.com/eddy-gitops/eddy/api/image/v1"
	"github.com/eddy-gitops/eddy/image-automation-controller/internal/controller/controllertest"
	"github.com/eddy-gitops/eddy/image-automation-controller/internal/controller/imagerepository"
	"github.com/eddy-gitops/eddy/image-automation-controller/internal/registry"
	"github.com/eddy-gitops/eddy/image-automation-controller/internal/tagstore"
	"github.com/eddy-gitops/eddy/pkg/testenv"
)

const controllerName = "image-automation-controller"

var env *testenv.Environment

// TestMain runs both reconcilers, as the controller does: policies need scanned repositories.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "imagepolicy-tags-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	store, err := tagstore.New(dir)
	if err != nil {
		panic(err)
	}
	scheme := testenv.NewScheme(clientgoscheme.AddToScheme, imagev1.AddToScheme)
	code := testenv.Run(m, &env, testenv.Options{Scheme: scheme, Setup: func(env *testenv.Environment) error {
		mgr := env.Manager
		repos := &imagerepository.Reconciler{Client: mgr.GetClient(), Recorder: mgr.GetEventRecorderFor(controllerName),
			Store: store, Registry: &registry.Client{}, FieldOwner: controllerName}
		if err := repos.SetupWithManager(mgr, imagerepository.Options{MaxConcurrentReconciles: 2}); err != nil {
			return err
		}
		policies := &Reconciler{Client: mgr.GetClient(), Recorder: mgr.GetEventRecorderFor(controllerName),
			Store: store, Registry: &registry.Client{}, FieldOwner: controllerName}
		return policies.SetupWithManager(context.Background(), mgr, Options{MaxConcurrentReconciles: 2})
	}})
	os.Exit(code)
}

func newRepo(ns, name, image string) *imagev1.ImageRepository {
	return &imagev1.ImageRepository{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec:       imagev1.ImageRepositorySpec{Image: image, Interval: metav1.Duration{Duration: time.Hour}},
	}
}

func newPolicy(ns, name, repo string, choice imagev1.ImagePolicyChoice) *imagev1.ImagePolicy {
	return &imagev1.ImagePolicy{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: imagev1.ImagePolicySpec{
			ImageRepositoryRef: meta.NamespacedObjectReference{Name: repo},
			Policy:             choice,
		},
	}
}

func semver(r string) imagev1.ImagePolicyChoice {
	return imagev1.ImagePolicyChoice{SemVer: &imagev1.SemVerPolicy{Range: r}}
}

// waitFor waits until the policy's Ready condition has the status and reason and the checks
// pass, and returns the policy as last read. Ready=True also waits for the latest ref of the
// current generation, which is patched apart from the conditions.
func waitFor(t *testing.T, key client.ObjectKey, status metav1.ConditionStatus, reason string, check ...func(*imagev1.ImagePolicy) bool) *imagev1.ImagePolicy {
	t.Helper()
	complete := func(obj *imagev1.ImagePolicy) bool {
		return obj.Status.LatestRef != nil && obj.Status.ObservedGeneration == obj.Generation
	}
	return controllertest.WaitFor(t, env.Client, key, &imagev1.ImagePolicy{}, status, reason, complete, check...)
}

func readyOf(obj *imagev1.ImagePolicy) string {
	return conditions.GetMessage(obj, meta.ReadyCondition)
}

func isStalled(obj *imagev1.ImagePolicy) bool {
	return conditions.IsTrue(obj, meta.StalledCondition)
}

func eventsFor(t *testing.T, ns, name string) []string {
	t.Helper()
	return controllertest.Events(t, env.Client, imagev1.ImagePolicyKind, ns, name)
}

// requestScan asks the ImageRepository for a rescan, as `flux reconcile image repository` does.
func requestScan(t *testing.T, ns, name, token string) {
	t.Helper()
	repo := &imagev1.ImageRepository{}
	g := NewWithT(t)
	g.Expect(env.Client.Get(t.Context(), client.ObjectKey{Namespace: ns, Name: name}, repo)).To(Succeed())
	patch := client.MergeFrom(repo.DeepCopy())
	repo.Annotations = map[string]string{meta.ReconcileRequestAnnotation: token}
	g.Expect(env.Client.Patch(t.Context(), repo, patch)).To(Succeed())
}
