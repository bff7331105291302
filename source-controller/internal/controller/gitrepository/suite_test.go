package gitrepository

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/fluxcd/pkg/artifact/storage"
	"github.com/fluxcd/pkg/runtime/events"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/controller"

	sourcev1 "github.com/eddy-gitops/eddy/api/source/v1"
	"github.com/eddy-gitops/eddy/pkg/testenv"
)

var (
	env *testenv.Environment
	// artifactStorage is the storage the suite's reconciler writes to, served by fileServer.
	artifactStorage *storage.Storage
	fileServer      *httptest.Server
)

func newScheme() *runtime.Scheme {
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{clientgoscheme.AddToScheme, sourcev1.AddToScheme} {
		if err := add(s); err != nil {
			panic(err)
		}
	}
	return s
}

// TestMain runs one API server with the GitRepository reconciler writing to a temporary
// artifact storage that a real HTTP file server serves.
func TestMain(m *testing.M) {
	root, err := os.MkdirTemp("", "gitrepository-storage-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(root)
	fileServer = httptest.NewServer(http.FileServer(http.Dir(root)))
	defer fileServer.Close()
	artifactStorage = &storage.Storage{
		BasePath:                 root,
		Hostname:                 fileServer.URL,
		ArtifactRetentionTTL:     time.Minute,
		ArtifactRetentionRecords: 2,
	}
	os.Exit(testenv.Run(m, &env, testenv.Options{
		Scheme: newScheme(),
		Setup: func(env *testenv.Environment) error {
			rec, err := events.NewRecorder(ctrl.Log.WithName("events"), "", "source-controller", events.WithManager(env.Manager))
			if err != nil {
				return err
			}
			r := &Reconciler{
				Client:                    env.Manager.GetClient(),
				Storage:                   artifactStorage,
				Recorder:                  rec,
				ControllerName:            "source-controller",
				DependencyRequeueInterval: time.Second,
			}
			return r.SetupWithManager(context.Background(), env.Manager, Options{
				Controller: controller.Options{MaxConcurrentReconciles: 4},
			})
		},
	}))
}
