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
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/controller"

	sourcev1 "github.com/eddy-gitops/eddy/api/source/v1"
	"github.com/eddy-gitops/eddy/pkg/testenv"
	"github.com/eddy-gitops/eddy/source-controller/internal/controller/controllertest"
)

var (
	env *testenv.Environment
	// artifactStorage is the storage the suite's reconciler writes to, served by fileServer.
	artifactStorage *storage.Storage
	fileServer      *httptest.Server
)

// TestMain runs one API server with the GitRepository reconciler writing to a temporary
// artifact storage that a real HTTP file server serves.
func TestMain(m *testing.M) {
	fileServerHandler := func(root string) (http.Handler, error) { return http.FileServer(http.Dir(root)), nil }
	var stop func()
	artifactStorage, fileServer, stop = controllertest.ServeStorage("gitrepository-storage-", fileServerHandler, time.Minute)
	code := testenv.Run(m, &env, testenv.Options{
		Scheme: testenv.NewScheme(clientgoscheme.AddToScheme, sourcev1.AddToScheme),
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
	})
	// Not deferred: os.Exit skips deferred calls.
	stop()
	os.Exit(code)
}
