package manager

import (
	"context"
	"fmt"
	"time"

	"github.com/fluxcd/cli-utils/pkg/flowcontrol"

	"github.com/fluxcd/pkg/runtime/controller"
	"github.com/fluxcd/pkg/runtime/events"
	"github.com/fluxcd/pkg/runtime/logger"
	"github.com/fluxcd/pkg/runtime/pprof"
	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/record"
	ctrl "sigs.k8s.io/controller-runtime"
	ctrlcache "sigs.k8s.io/controller-runtime/pkg/cache"
	ctrlclient "sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
)

// Config describes one controller binary to New.
type Config struct {
	// Name is the controller's name: the event source, the field manager prefix and the base of
	// the leader-election lease (e.g. "source-controller").
	Name string
	// Scheme must contain every type the controller reads or writes.
	Scheme *runtime.Scheme
	// WatchedObjects are the kinds the controller owns; with --watch-label-selector only objects
	// with matching labels are cached and reconciled.
	WatchedObjects []ctrlclient.Object
	// RestConfig overrides the kubeconfig lookup (used by tests and the dev environment).
	RestConfig *rest.Config
}

// Runtime is what New hands back: a manager ready for SetupWithManager, the logger, and the
// recorder that writes Kubernetes Events and POSTs to --events-addr.
type Runtime struct {
	Manager  ctrl.Manager
	Log      logr.Logger
	Recorder events.Recorder

	// Concurrent, RateLimiter and Watch carry the shared flags to the reconcilers.
	Concurrent  int
	RateLimiter controller.RateLimiterOptions
	Watch       controller.WatchOptions

	broadcaster record.EventBroadcaster // stopped by Start once the manager has stopped
	events      *asyncRecorder          // its sender runs from Start until the manager has stopped
}

// New sets up logging and builds the manager for cfg from the shared options. It starts nothing.
func New(cfg Config, o Options) (_ *Runtime, err error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	log := quietCancelledReads(logger.NewLogger(o.Logger))
	logger.SetLogger(log)
	log = log.WithName(cfg.Name)

	restConfig := cfg.RestConfig
	if restConfig == nil {
		var err error
		if restConfig, err = ctrl.GetConfig(); err != nil {
			return nil, fmt.Errorf("no Kubernetes API server configuration (set KUBECONFIG or run in a cluster): %w", err)
		}
		setClientRateLimits(restConfig, o)
	}
	restConfig.UserAgent = cfg.Name
	dedupeWarnings(restConfig)

	cacheOpts, err := cacheOptions(cfg.WatchedObjects, o)
	if err != nil {
		return nil, err
	}

	broadcaster := newEventBroadcaster(o.EventCacheSize)
	defer func() {
		if err != nil {
			broadcaster.Shutdown()
		}
	}()
	mgr, err := ctrl.NewManager(restConfig, ctrl.Options{
		Scheme: cfg.Scheme,
		Logger: log,
		// The only way to size the correlator's caches. Deprecated because the manager then
		// leaves stopping the broadcaster to its owner: Runtime.Start does.
		EventBroadcaster: broadcaster, //nolint:staticcheck
		// pprof rides on the metrics endpoint, as in Flux, so a live controller can be profiled.
		Metrics:                       metricsserver.Options{BindAddress: o.MetricsAddr, ExtraHandlers: pprof.GetHandlers()},
		HealthProbeBindAddress:        o.HealthAddr,
		LeaderElection:                o.LeaderElection.Enable,
		LeaderElectionID:              cfg.Name + "-leader-election",
		LeaderElectionNamespace:       runtimeNamespace(),
		LeaderElectionReleaseOnCancel: o.LeaderElection.ReleaseOnCancel,
		LeaseDuration:                 &o.LeaderElection.LeaseDuration,
		RenewDeadline:                 &o.LeaderElection.RenewDeadline,
		RetryPeriod:                   &o.LeaderElection.RetryPeriod,
		Cache:                         cacheOpts,
		Client:                        ctrlclient.Options{Cache: &ctrlclient.CacheOptions{DisableFor: UncachedKinds()}},
	})
	if err != nil {
		return nil, fmt.Errorf("creating the manager: %w", err)
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return nil, err
	}
	if err := mgr.AddReadyzCheck("readyz", healthz.Ping); err != nil {
		return nil, err
	}

	recorder, queued, err := newRecorder(mgr, log.WithName("events"), o.EventsAddr, cfg.Name)
	if err != nil {
		return nil, err
	}
	return &Runtime{Manager: mgr, Log: log, Recorder: recorder, broadcaster: broadcaster, events: queued}, nil
}

// Start runs the manager until ctx is cancelled (SIGTERM/SIGINT in the binaries).
func (r *Runtime) Start(ctx context.Context) error {
	r.Log.Info("starting manager")
	if r.broadcaster != nil {
		// After the manager, whose runnables may still record events while they stop.
		defer r.broadcaster.Shutdown()
	}
	if r.events != nil {
		// Also after the manager: the events its reconcilers record while they stop are posted.
		defer r.events.start()()
	}
	if err := r.Manager.Start(ctx); err != nil {
		return fmt.Errorf("running the manager: %w", err)
	}
	r.Log.Info("manager stopped")
	return nil
}

// cacheOptions limits the cache to the runtime namespace unless --watch-all-namespaces, and the
// owned kinds to --watch-label-selector. Cached objects are kept without managedFields: no
// reconciler reads them from the cache (applies and their cleanup read the live object through
// uncached clients, status goes out as merge patches), yet they would be held for every cached
// object and copied on every read.
func cacheOptions(owned []ctrlclient.Object, o Options) (ctrlcache.Options, error) {
	opts := ctrlcache.Options{DefaultTransform: ctrlcache.TransformStripManagedFields()}
	if !o.Watch.AllNamespaces {
		ns := runtimeNamespace()
		if ns == "" {
			return opts, fmt.Errorf("--watch-all-namespaces=false needs the RUNTIME_NAMESPACE environment variable")
		}
		opts.DefaultNamespaces = map[string]ctrlcache.Config{ns: {}}
	}
	selector, err := controller.GetWatchSelector(o.Watch)
	if err != nil {
		return opts, err
	}
	if !selector.Empty() {
		opts.ByObject = map[ctrlclient.Object]ctrlcache.ByObject{}
		for _, obj := range owned {
			opts.ByObject[obj] = ctrlcache.ByObject{Label: selector}
		}
	}
	return opts, nil
}

// setClientRateLimits keeps client-go's client-side throttling (--kube-api-qps/--kube-api-burst)
// only for API servers without Priority and Fairness. With APF (every supported Kubernetes
// version) the server does the fair queuing itself, and a 50 QPS client limit would be what
// bounds a 1,000-object apply; this is what Flux's runtime does too.
func setClientRateLimits(cfg *rest.Config, o Options) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if enabled, err := flowcontrol.IsEnabled(ctx, cfg); err == nil && enabled {
		cfg.QPS, cfg.Burst = -1, -1
		return
	}
	cfg.QPS, cfg.Burst = o.Client.QPS, o.Client.Burst
}

// dedupeWarnings logs each distinct warning the API server returns once per process, unless the
// caller chose a handler. controller-runtime's default logs every occurrence, and some warnings
// repeat for every object by design: Kubernetes 1.37 warns at each write of a finalizer without
// a path, and Flux's finalizers.fluxcd.io, which Eddy must keep, has none; that was one log line
// per Kustomization created.
func dedupeWarnings(cfg *rest.Config) {
	if cfg.WarningHandler == nil && cfg.WarningHandlerWithContext == nil {
		cfg.WarningHandlerWithContext = ctrllog.NewKubeAPIWarningLogger(ctrllog.KubeAPIWarningLoggerOptions{Deduplicate: true})
	}
}

// UncachedKinds are the kinds the controllers' clients read from the API server on demand,
// never from a cluster-wide cache: caching Secrets and ConfigMaps would cost memory proportional
// to the cluster and a watch on every Secret, and a reconcile always sees the credentials as
// they are now. pkg/testenv gives the test managers the same, so that tests see what the
// binaries do.
func UncachedKinds() []ctrlclient.Object {
	return []ctrlclient.Object{&corev1.Secret{}, &corev1.ConfigMap{}}
}
