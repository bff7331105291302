package testenv

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"

	"github.com/go-logr/logr"
	"github.com/go-logr/logr/funcr"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/eddy-gitops/eddy/pkg/controlplane"
	"github.com/eddy-gitops/eddy/pkg/manager"
)

// Environment is a running control plane plus a manager for the package's reconcilers.
type Environment struct {
	// Client talks to the API server directly (no cache), so assertions see the real state.
	Client client.Client
	// Manager runs the reconcilers registered in Options.Setup.
	Manager ctrl.Manager
	// Config is an admin rest.Config.
	Config *rest.Config
	// Kubeconfig is the path of an admin kubeconfig file (handy for kubectl while debugging).
	Kubeconfig string
	// Scheme is the scheme of Client and Manager.
	Scheme *runtime.Scheme

	plane  *controlplane.ControlPlane
	cancel context.CancelFunc
	done   chan error
}

// Options configure Run.
type Options struct {
	// Scheme must hold every type the tests and reconcilers use.
	Scheme *runtime.Scheme
	// Setup registers the package's reconcilers (and runnables) on the manager before it starts.
	// Nil runs no reconcilers: the API server alone (e.g. to test CRD validation).
	Setup func(env *Environment) error
	// ControllerManager also starts kube-controller-manager.
	ControllerManager bool
	// Concurrency is the manager's default MaxConcurrentReconciles (default 4).
	Concurrency int
}

// Run is the body of a reconciler package's TestMain:
//
//	var env *testenv.Environment
//	func TestMain(m *testing.M) { os.Exit(testenv.Run(m, &env, testenv.Options{...})) }
//
// It starts the environment, stores it in *env, runs the tests and stops everything.
func Run(m *testing.M, env **Environment, o Options) int {
	// Parse flags so that testing.Short() is known before anything starts.
	if !flagParsed() {
		return m.Run()
	}
	if testing.Short() {
		fmt.Println("testenv: skipping envtest suite in -short mode (it needs a real API server)")
		return 0
	}
	ctrl.SetLogger(testLogger())
	e, err := Start(o)
	if err != nil {
		fmt.Fprintf(os.Stderr, "testenv: %v\n", err)
		return 1
	}
	*env = e
	code := m.Run()
	if err := e.Stop(); err != nil {
		fmt.Fprintf(os.Stderr, "testenv: stopping: %v\n", err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

// Start brings up a control plane and a started manager. Most tests use Run instead.
func Start(o Options) (*Environment, error) {
	if o.Scheme == nil {
		return nil, errors.New("testenv: Options.Scheme is required")
	}
	if o.Concurrency == 0 {
		o.Concurrency = 4
	}
	root, err := controlplane.RepoRoot()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	plane, err := controlplane.Start(ctx, controlplane.Options{
		RepoRoot:          root,
		Scheme:            o.Scheme,
		ControllerManager: o.ControllerManager,
	})
	if err != nil {
		cancel()
		return nil, err
	}
	e := &Environment{Config: plane.Config, Kubeconfig: plane.Kubeconfig, Scheme: o.Scheme, plane: plane, cancel: cancel}
	fail := func(err error) (*Environment, error) {
		cancel()
		_ = plane.Stop()
		return nil, err
	}
	if e.Client, err = client.New(plane.Config, client.Options{Scheme: o.Scheme}); err != nil {
		return fail(err)
	}
	e.Manager, err = ctrl.NewManager(plane.Config, ctrl.Options{
		Scheme:                 o.Scheme,
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		Controller:             ctrlConfig(o.Concurrency),
		// As in the binaries: a Secret updated by a test is what the next reconcile reads,
		// not a cached copy that may lag behind it.
		Client: client.Options{Cache: &client.CacheOptions{DisableFor: manager.UncachedKinds()}},
	})
	if err != nil {
		return fail(fmt.Errorf("creating the test manager: %w", err))
	}
	if o.Setup != nil {
		if err := o.Setup(e); err != nil {
			return fail(fmt.Errorf("setting up reconcilers: %w", err))
		}
	}
	e.done = make(chan error, 1)
	go func() { e.done <- e.Manager.Start(ctx) }()
	if !e.Manager.GetCache().WaitForCacheSync(ctx) {
		return fail(errors.New("testenv: the manager's cache did not sync"))
	}
	return e, nil
}

// Stop stops the manager and the control plane.
func (e *Environment) Stop() error {
	e.cancel()
	var errs []error
	if e.done != nil {
		if err := <-e.done; err != nil {
			errs = append(errs, fmt.Errorf("manager: %w", err))
		}
	}
	if err := e.plane.Stop(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// testLogger is quiet unless EDDY_TEST_LOG is set. It is a real (no-op) sink rather than
// logr.Discard(), whose nil sink makes some libraries (the fluxcd event recorder) panic.
func testLogger() logr.Logger {
	if os.Getenv("EDDY_TEST_LOG") != "" {
		return zap.New(zap.UseDevMode(true), zap.WriteTo(os.Stderr))
	}
	return funcr.New(func(prefix, args string) {}, funcr.Options{})
}

// Logger returns the logger the test environment uses, for recorders built in tests.
func Logger() logr.Logger { return testLogger() }
