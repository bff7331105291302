package dispatch

import (
	"os"
	"testing"
	"time"

	"github.com/fluxcd/pkg/runtime/events"
	"github.com/go-logr/logr"
	"github.com/go-logr/logr/funcr"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"

	kustomizev1 "github.com/eddy-gitops/eddy/api/kustomize/v1"
	notifv1 "github.com/eddy-gitops/eddy/api/notification/v1"
	notifv1beta3 "github.com/eddy-gitops/eddy/api/notification/v1beta3"
	"github.com/eddy-gitops/eddy/notification-controller/internal/notifier"
	"github.com/eddy-gitops/eddy/pkg/testenv"
)

var (
	env *testenv.Environment
	// recorder writes real Kubernetes Events, as in the binary.
	recorder events.Recorder
)

// testRetry keeps failing deliveries quick.
const timeoutLong = 30 * time.Second

var testRetry = notifier.Retry{Max: 1, WaitMin: time.Millisecond, WaitMax: 5 * time.Millisecond}

func TestMain(m *testing.M) {
	scheme := testenv.NewScheme(clientgoscheme.AddToScheme, notifv1beta3.AddToScheme, notifv1.AddToScheme, kustomizev1.AddToScheme)
	os.Exit(testenv.Run(m, &env, testenv.Options{
		Scheme: scheme,
		Setup: func(e *testenv.Environment) error {
			var err error
			// The recorder needs a logger with a sink (it checks the trace level).
			quiet := funcr.New(func(string, string) {}, funcr.Options{})
			recorder, err = events.NewRecorder(quiet, "", "notification-controller", events.WithManager(e.Manager))
			return err
		},
	}))
}

// newDispatcher is a Dispatcher wired like setup/events.go does it.
func newDispatcher(noCross bool) *Dispatcher {
	return New(Options{
		Client:               env.Manager.GetClient(),
		APIReader:            env.Manager.GetAPIReader(),
		Recorder:             recorder,
		NoCrossNamespaceRefs: noCross,
		Retry:                testRetry,
		Log:                  logr.Discard(),
	})
}
