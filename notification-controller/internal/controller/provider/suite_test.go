package provider

import (
	"os"
	"testing"

	"github.com/fluxcd/pkg/runtime/events"
	"github.com/go-logr/logr/funcr"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/controller"

	notifv1beta3 "github.com/eddy-gitops/eddy/api/notification/v1beta3"
	"github.com/eddy-gitops/eddy/pkg/testenv"
)

var env *testenv.Environment

func TestMain(m *testing.M) {
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{clientgoscheme.AddToScheme, notifv1beta3.AddToScheme} {
		if err := add(scheme); err != nil {
			panic(err)
		}
	}
	os.Exit(testenv.Run(m, &env, testenv.Options{
		Scheme: scheme,
		Setup: func(e *testenv.Environment) error {
			rec, err := events.NewRecorder(funcr.New(func(string, string) {}, funcr.Options{}), "", "notification-controller", events.WithManager(e.Manager))
			if err != nil {
				return err
			}
			return (&Reconciler{Client: e.Manager.GetClient(), APIReader: e.Manager.GetAPIReader(), Recorder: rec}).SetupWithManager(e.Manager, controller.Options{MaxConcurrentReconciles: 2})
		},
	}))
}
