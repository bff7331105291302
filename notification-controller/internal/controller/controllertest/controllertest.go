package controllertest

import (
	"context"
	"testing"

	"github.com/fluxcd/pkg/runtime/events"
	"github.com/go-logr/logr"
	"github.com/go-logr/logr/funcr"
	corev1 "k8s.io/api/core/v1"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/client"

	notifv1beta3 "github.com/eddy-gitops/eddy/api/notification/v1beta3"
	"github.com/eddy-gitops/eddy/pkg/testenv"
)

// controllerName is the reporting controller of the events the suites record.
const controllerName = "notification-controller"

// RunV1beta3 is the TestMain body of a suite of a notification.toolkit.fluxcd.io/v1beta3
// reconciler (Alert, Provider): it starts testenv with client-go's and the v1beta3 types, gives
// register an event recorder on the manager and the environment to register the reconciler on,
// runs the tests and returns the exit code:
//
//	func TestMain(m *testing.M) { os.Exit(controllertest.RunV1beta3(m, &env, register)) }
func RunV1beta3(m *testing.M, env **testenv.Environment, register func(e *testenv.Environment, rec events.Recorder) error) int {
	return testenv.Run(m, env, testenv.Options{
		Scheme: testenv.NewScheme(clientgoscheme.AddToScheme, notifv1beta3.AddToScheme),
		Setup: func(e *testenv.Environment) error {
			rec, err := events.NewRecorder(quietLogger(), "", controllerName, events.WithManager(e.Manager))
			if err != nil {
				return err
			}
			return register(e, rec)
		},
	})
}

// quietLogger discards logs. It is not logr.Discard(): the recorder checks the trace level of
// its logger's sink, and Discard has none.
func quietLogger() logr.Logger { return funcr.New(func(string, string) {}, funcr.Options{}) }

// Warnings returns a function that lists "reason: message" of the Warning events recorded in ns
// on the object of kind and name, for Eventually or a direct check. A failed List is returned as
// the only element, so that Eventually shows it.
func Warnings(ctx context.Context, c client.Client, kind, ns, name string) func() []string {
	return func() []string {
		events, err := testenv.EventsFor(ctx, c, kind, ns, name)
		if err != nil {
			return []string{err.Error()}
		}
		var out []string
		for _, e := range events {
			if e.Type == corev1.EventTypeWarning {
				out = append(out, e.Reason+": "+e.Message)
			}
		}
		return out
	}
}
