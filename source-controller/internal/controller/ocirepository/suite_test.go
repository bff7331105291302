package ocirepository

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	eventv1 "github.com/fluxcd/pkg/apis/event/v1beta1"
	"github.com/fluxcd/pkg/artifact/storage"
	"github.com/fluxcd/pkg/runtime/events"
	"github.com/go-logr/logr"
	"github.com/go-logr/logr/funcr"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/controller-runtime/pkg/controller"

	sourcev1 "github.com/eddy-gitops/eddy/api/source/v1"
	"github.com/eddy-gitops/eddy/pkg/testenv"
	"github.com/eddy-gitops/eddy/source-controller/internal/controller/controllertest"
	"github.com/eddy-gitops/eddy/source-controller/internal/server"
)

var (
	env *testenv.Environment
	// artifactStorage is the storage the suite's reconciler writes to, served by fileServer
	// (the controller's own artifact handler).
	artifactStorage *storage.Storage
	fileServer      *httptest.Server
	// received collects the events the recorder POSTs, as notification-controller would.
	received = &eventSink{}
)

// eventSink is a minimal events endpoint: it records every event POSTed to it.
type eventSink struct {
	mu     sync.Mutex
	events []eventv1.Event
}

func (s *eventSink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var e eventv1.Event
	if err := json.NewDecoder(r.Body).Decode(&e); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	s.events = append(s.events, e)
	s.mu.Unlock()
	w.WriteHeader(http.StatusAccepted)
}

// For returns the events received for the object namespace/name.
func (s *eventSink) For(namespace, name string) []eventv1.Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []eventv1.Event
	for _, e := range s.events {
		if e.InvolvedObject.Namespace == namespace && e.InvolvedObject.Name == name {
			out = append(out, e)
		}
	}
	return out
}

// TestMain runs one API server with the OCIRepository reconciler writing to a temporary
// artifact storage, served by the controller's artifact handler, and posting events to a
// recording endpoint.
func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	// The controller's own artifact handler, as in the binary.
	var stop func()
	artifactStorage, fileServer, stop = controllertest.ServeStorage("ocirepository-storage-", server.Handler, time.Hour)
	defer stop()
	eventServer := httptest.NewServer(received)
	defer eventServer.Close()

	return testenv.Run(m, &env, testenv.Options{
		Scheme: testenv.NewScheme(clientgoscheme.AddToScheme, sourcev1.AddToScheme),
		Setup: func(env *testenv.Environment) error {
			rec, err := events.NewRecorder(quietLogger(), eventServer.URL, "source-controller", events.WithManager(env.Manager))
			if err != nil {
				return err
			}
			r := &Reconciler{
				Client:         env.Manager.GetClient(),
				Storage:        artifactStorage,
				Recorder:       rec,
				ControllerName: "source-controller",
			}
			return r.SetupWithManager(context.Background(), env.Manager, Options{
				Controller: controller.Options{MaxConcurrentReconciles: 4},
			})
		},
	})
}

// quietLogger discards logs. (logr.Discard has no sink, which the Flux recorder dereferences.)
func quietLogger() logr.Logger { return funcr.New(func(_, _ string) {}, funcr.Options{}) }
