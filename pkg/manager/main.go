package manager

import (
	"context"
	"fmt"
	"os"

	"github.com/spf13/pflag"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	ctrl "sigs.k8s.io/controller-runtime"
	ctrlclient "sigs.k8s.io/controller-runtime/pkg/client"
)

// Binary describes one controller binary for Main.
type Binary struct {
	// Name is the controller's name, e.g. "source-controller".
	Name string
	// ConcurrentDefault is the default of --concurrent.
	ConcurrentDefault int
	// AddToScheme registers the controller's API types (client-go's are always added).
	AddToScheme func(*runtime.Scheme) error
	// WatchedObjects are the kinds the controller owns (for --watch-label-selector).
	WatchedObjects []ctrlclient.Object
	// BindFlags binds the controller's own flags.
	BindFlags func(*pflag.FlagSet)
	// OwnEventsAddr is set by notification-controller, which binds --events-addr itself as its
	// listen address; the shared recorder then records Kubernetes Events only.
	OwnEventsAddr bool
	// Setup registers reconcilers and runnables once the manager exists.
	Setup func(ctx context.Context, rt *Runtime) error
}

// Main parses flags, builds the manager, runs Setup and blocks until SIGTERM or SIGINT. It
// returns the process exit code, so a controller's main is one line.
func Main(b Binary) int {
	if err := run(b, os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", b.Name, err)
		return 1
	}
	return 0
}

func run(b Binary, args []string) error {
	fs := pflag.NewFlagSet(b.Name, pflag.ContinueOnError)
	o := Options{OwnEventsAddr: b.OwnEventsAddr}
	o.BindFlags(fs, b.ConcurrentDefault)
	if b.BindFlags != nil {
		b.BindFlags(fs)
	}
	if err := fs.Parse(args); err != nil {
		return err
	}

	scheme := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(scheme); err != nil {
		return err
	}
	if b.AddToScheme != nil {
		if err := b.AddToScheme(scheme); err != nil {
			return err
		}
	}
	rt, err := New(Config{Name: b.Name, Scheme: scheme, WatchedObjects: b.WatchedObjects}, o)
	if err != nil {
		return err
	}
	if err := setupMemory(rt, o.Memory); err != nil {
		return err
	}
	rt.Concurrent = o.Concurrent
	rt.RateLimiter = o.RateLimiter
	rt.Watch = o.Watch

	ctx := ctrl.SetupSignalHandler()
	if b.Setup != nil {
		if err := b.Setup(ctx, rt); err != nil {
			return fmt.Errorf("setting up %s: %w", b.Name, err)
		}
	}
	return rt.Start(ctx)
}
