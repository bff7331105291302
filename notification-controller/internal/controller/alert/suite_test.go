package alert

import (
	"os"
	"testing"

	"github.com/fluxcd/pkg/runtime/events"
	"sigs.k8s.io/controller-runtime/pkg/controller"

	"github.com/eddy-gitops/eddy/notification-controller/internal/controller/controllertest"
	"github.com/eddy-gitops/eddy/pkg/testenv"
)

var env *testenv.Environment

func TestMain(m *testing.M) {
	os.Exit(controllertest.RunV1beta3(m, &env, func(e *testenv.Environment, rec events.Recorder) error {
		return (&Reconciler{Client: e.Manager.GetClient(), Recorder: rec, NoCrossNamespaceRefs: true}).SetupWithManager(e.Manager, controller.Options{MaxConcurrentReconciles: 2})
	}))
}
