package setup

import (
	"context"
	"os"
	"testing"

	"github.com/fluxcd/pkg/runtime/events"
	"github.com/go-logr/logr/funcr"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"

	kustomizev1 "github.com/eddy-gitops/eddy/api/kustomize/v1"
	"github.com/eddy-gitops/eddy/pkg/manager"
	"github.com/eddy-gitops/eddy/pkg/testenv"
)

var (
	env       *testenv.Environment
	testOpts  = Options{EventsAddr: "127.0.0.1:0", ReceiverAddr: "127.0.0.1:0"}
	eventsURL string
)

// TestMain wires the whole controller the way main.go does (SetupWithManager on a Runtime),
// with the event server on a free loopback port.
func TestMain(m *testing.M) {
	scheme := testenv.NewScheme(clientgoscheme.AddToScheme, AddToScheme, kustomizev1.AddToScheme)
	os.Exit(testenv.Run(m, &env, testenv.Options{
		Scheme: scheme,
		Setup: func(e *testenv.Environment) error {
			log := funcr.New(func(string, string) {}, funcr.Options{})
			rec, err := events.NewRecorder(log, "", ControllerName, events.WithManager(e.Manager))
			if err != nil {
				return err
			}
			addr, err := freeAddr()
			if err != nil {
				return err
			}
			testOpts.EventsAddr = addr
			eventsURL = "http://" + addr + "/"
			rt := &manager.Runtime{Manager: e.Manager, Log: log, Recorder: rec, Concurrent: 2}
			return testOpts.SetupWithManager(context.Background(), rt)
		},
	}))
}
