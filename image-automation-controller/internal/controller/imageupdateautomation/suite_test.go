package imageupdateautomation

import (
	"os"
	"testing"
	"time"

	"github.com/fluxcd/pkg/runtime/events"
	"github.com/go-logr/logr/funcr"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	imagev1 "github.com/eddy-gitops/eddy/api/image/v1"
	sourcev1 "github.com/eddy-gitops/eddy/api/source/v1"
	"github.com/eddy-gitops/eddy/image-automation-controller/internal/gitpush"
	"github.com/eddy-gitops/eddy/pkg/testenv"
)

var env *testenv.Environment

// TestMain starts a real API server and the ImageUpdateAutomation reconciler. ImagePolicies are
// not reconciled here: the tests write their status, as the ImagePolicy reconciler would.
func TestMain(m *testing.M) {
	cacheDir, err := os.MkdirTemp("", "iua-clones-")
	if err != nil {
		panic(err)
	}
	code := testenv.Run(m, &env, testenv.Options{
		Scheme: testenv.NewScheme(clientgoscheme.AddToScheme, imagev1.AddToScheme, sourcev1.AddToScheme),
		Setup: func(e *testenv.Environment) error {
			rec, err := newRecorder(e.Manager)
			if err != nil {
				return err
			}
			r := &Reconciler{
				Client:         e.Manager.GetClient(),
				Recorder:       rec,
				ControllerName: "image-automation-controller",
				Clones:         gitpush.NewCache(cacheDir),
				// An hour: runs waiting for a GitRepository must be started by the watch.
				DependencyRequeueInterval: time.Hour,
			}
			return r.SetupWithManager(e.Manager, controller.Options{})
		},
	})
	_ = os.RemoveAll(cacheDir)
	os.Exit(code)
}

// newRecorder returns the event recorder of the suite's reconcilers: Kubernetes Events through
// m, no events endpoint. It needs a logger with a sink, because it checks the trace level.
func newRecorder(m manager.Manager) (events.Recorder, error) {
	return events.NewRecorder(funcr.New(func(string, string) {}, funcr.Options{}), "", "image-automation-controller", events.WithManager(m))
}
