package manager

import (
	"fmt"
	"os"

	"github.com/fluxcd/pkg/runtime/controller"
	"github.com/fluxcd/pkg/runtime/leaderelection"
	"github.com/fluxcd/pkg/runtime/logger"
	"github.com/spf13/pflag"
)

// Options are the flags every Eddy controller binary accepts.
type Options struct {
	// MetricsAddr is where Prometheus metrics are served (--metrics-addr).
	MetricsAddr string
	// HealthAddr is where the liveness and readiness probes are served (--health-addr).
	HealthAddr string
	// EventsAddr is the notification-controller events endpoint events are POSTed to
	// (--events-addr). Empty means Kubernetes Events only.
	EventsAddr string
	// Concurrent is the number of objects of each kind reconciled in parallel (--concurrent).
	Concurrent int
	// OwnEventsAddr leaves --events-addr unbound (set it before BindFlags). notification-controller
	// uses the same flag name for its own listen address, as in Flux; its recorder then writes
	// Kubernetes Events only, since posting to itself would loop its own events back in.
	OwnEventsAddr bool
	// EventCacheSize bounds each cache of the Kubernetes event correlator (--event-cache-size;
	// DefaultEventCacheSize).
	EventCacheSize int

	// Memory holds the Go runtime memory defaults (--memory-limit, --idle-free-memory).
	Memory MemoryOptions

	Logger         logger.Options
	LeaderElection leaderelection.Options
	Client         ClientOptions
	Watch          controller.WatchOptions
	RateLimiter    controller.RateLimiterOptions
}

// BindFlags registers the shared flags on fs. concurrentDefault differs per controller, as in Flux.
func (o *Options) BindFlags(fs *pflag.FlagSet, concurrentDefault int) {
	fs.StringVar(&o.MetricsAddr, "metrics-addr", ":8080", "The address the metric endpoint binds to.")
	fs.StringVar(&o.HealthAddr, "health-addr", ":9440", "The address the health endpoint binds to.")
	if !o.OwnEventsAddr {
		fs.StringVar(&o.EventsAddr, "events-addr", "",
			"The address of the events receiver (notification-controller), e.g. http://notification-controller.flux-system.svc/. Empty records Kubernetes Events only.")
	}
	fs.IntVar(&o.Concurrent, "concurrent", concurrentDefault, "The number of concurrent reconciles per kind.")
	fs.IntVar(&o.EventCacheSize, "event-cache-size", DefaultEventCacheSize,
		"Entries kept by each cache of the Kubernetes event correlator of Warning events (deduplication, aggregation, spam filter); Normal events keep at most 32. client-go's default is 4096.")
	o.Logger.BindFlags(fs)
	o.LeaderElection.BindFlags(fs)
	o.Client.BindFlags(fs)
	o.Memory.BindFlags(fs)
	o.Watch.BindFlags(fs)
	o.RateLimiter.BindFlags(fs)
}

// Validate reports flag values that cannot work, before anything starts.
func (o *Options) Validate() error {
	if o.Concurrent < 1 {
		return fmt.Errorf("--concurrent must be at least 1, got %d", o.Concurrent)
	}
	if o.EventCacheSize < 1 {
		return fmt.Errorf("--event-cache-size must be at least 1, got %d", o.EventCacheSize)
	}
	switch o.Logger.LogEncoding {
	case "json", "console":
	default:
		return fmt.Errorf("--log-encoding must be 'json' or 'console', got %q", o.Logger.LogEncoding)
	}
	switch o.Logger.LogLevel {
	case "trace", "debug", "info", "error":
	default:
		return fmt.Errorf("--log-level must be one of trace, debug, info, error, got %q", o.Logger.LogLevel)
	}
	if o.Memory.LimitPercent < 0 || o.Memory.LimitPercent > 100 {
		return fmt.Errorf("--memory-limit-percent must be between 0 and 100, got %d", o.Memory.LimitPercent)
	}
	if o.Memory.HeapProfileRate < 0 {
		return fmt.Errorf("--heap-profile-rate must not be negative, got %d", o.Memory.HeapProfileRate)
	}
	if o.Memory.MutexProfileFraction < 0 {
		return fmt.Errorf("--mutex-profile-fraction must not be negative, got %d", o.Memory.MutexProfileFraction)
	}
	if o.Memory.IdleRelease < 0 {
		return fmt.Errorf("--idle-memory-release must not be negative, got %s", o.Memory.IdleRelease)
	}
	if _, err := controller.GetWatchSelector(o.Watch); err != nil {
		return fmt.Errorf("--watch-label-selector: %w", err)
	}
	return nil
}

// runtimeNamespace is the namespace the controller runs in, from the RUNTIME_NAMESPACE
// environment variable that Flux's manifests set through the downward API.
func runtimeNamespace() string {
	return os.Getenv("RUNTIME_NAMESPACE")
}

// ClientOptions are the client-side limits of requests to the Kubernetes API. Names, defaults
// and help are Flux's (fluxcd/pkg/runtime/client). They are bound here rather than through that
// package because it also holds the impersonation client, whose imports (kubectl, cli-runtime,
// kustomize) would otherwise be linked into every binary: about 40 MB of executable that the
// kernel maps, and counts as resident, for two flags. Only kustomize-controller needs them.
type ClientOptions struct {
	// QPS is the maximum queries per second to the Kubernetes API (--kube-api-qps); it only
	// applies to API servers without Priority and Fairness, see setClientRateLimits.
	QPS float32
	// Burst is the maximum burst of queries (--kube-api-burst).
	Burst int
}

// BindFlags registers --kube-api-qps and --kube-api-burst on fs.
func (o *ClientOptions) BindFlags(fs *pflag.FlagSet) {
	fs.Float32Var(&o.QPS, "kube-api-qps", 50.0,
		"The maximum queries-per-second of requests sent to the Kubernetes API.")
	fs.IntVar(&o.Burst, "kube-api-burst", 300,
		"The maximum burst queries-per-second of requests sent to the Kubernetes API.")
}
