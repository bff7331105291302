package receiver

import (
	"context"
	"os"
	"testing"

	"github.com/fluxcd/pkg/runtime/events"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"

	notifv1 "github.com/eddy-gitops/eddy/api/notification/v1"
	"github.com/eddy-gitops/eddy/pkg/reconcile"
	"github.com/eddy-gitops/eddy/pkg/testenv"
)

const controllerName = "notification-controller"

var env *testenv.Environment

// TestMain starts a real API server with the Receiver reconciler registered on the manager.
func TestMain(m *testing.M) {
	scheme := testenv.NewScheme(clientgoscheme.AddToScheme, notifv1.AddToScheme)
	os.Exit(testenv.Run(m, &env, testenv.Options{
		Scheme: scheme,
		Setup: func(e *testenv.Environment) error {
			rec, err := events.NewRecorder(ctrl.Log.WithName("events"), "", controllerName, events.WithManager(e.Manager))
			if err != nil {
				return err
			}
			r := &Reconciler{
				Client:         e.Manager.GetClient(),
				APIReader:      e.Manager.GetAPIReader(),
				EventRecorder:  reconcile.EventRecorder(rec),
				ControllerName: controllerName,
			}
			return r.SetupWithManager(context.Background(), e.Manager, Options{})
		},
	}))
}
