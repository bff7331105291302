package dispatch

import (
	"context"
	"fmt"
	"strings"
	"sync"

	eventv1 "github.com/fluxcd/pkg/apis/event/v1beta1"
	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	notifv1 "github.com/eddy-gitops/eddy/api/notification/v1"
	notifv1beta3 "github.com/eddy-gitops/eddy/api/notification/v1beta3"
	"github.com/eddy-gitops/eddy/notification-controller/internal/notifier"
)

// Recorder records Kubernetes events on Alerts (fluxcd/pkg/runtime/events.Recorder fits).
type Recorder interface {
	Eventf(regarding runtime.Object, related runtime.Object, eventtype, reason, action, note string, args ...any)
}

// Options configure a Dispatcher.
type Options struct {
	// Client reads Alerts and Providers (the manager's cached client).
	Client client.Reader
	// APIReader reads Secrets and the metadata of objects for matchLabels, uncached, so no
	// cluster-wide informer is started for them.
	APIReader client.Reader
	// Recorder receives the Warning events on Alerts.
	Recorder Recorder
	// NoCrossNamespaceRefs is --no-cross-namespace-refs.
	NoCrossNamespaceRefs bool
	// Retry is the notifiers' retry policy (zero: notifier.DefaultRetry).
	Retry notifier.Retry
	// MaxPendingPerProvider bounds the deliveries in flight per Provider (default 256); beyond
	// it a delivery is dropped with a Warning event, so one dead endpoint cannot exhaust memory.
	MaxPendingPerProvider int
	Log                   logr.Logger
}

// Dispatcher implements server.Dispatcher.
type Dispatcher struct {
	o Options

	mu      sync.Mutex
	pending map[types.UID]int
	wg      sync.WaitGroup
}

// New returns a Dispatcher.
func New(o Options) *Dispatcher {
	if o.MaxPendingPerProvider <= 0 {
		o.MaxPendingPerProvider = 256
	}
	return &Dispatcher{o: o, pending: map[types.UID]int{}}
}

// Dispatch finds the Alerts the event matches and starts one delivery per Alert. It returns as
// soon as the deliveries are started.
func (d *Dispatcher) Dispatch(ctx context.Context, e *eventv1.Event) {
	log := d.o.Log.WithValues("event", fmt.Sprintf("%s/%s/%s", e.InvolvedObject.Kind, e.InvolvedObject.Namespace, e.InvolvedObject.Name))
	alerts, err := d.listAlerts(ctx, e)
	if err != nil {
		log.Error(err, "listing Alerts failed; event dropped")
		return
	}
	for i := range alerts {
		d.dispatchToAlert(ctx, log, &alerts[i], e)
	}
}

// Wait blocks until every started delivery has finished (tests, benchmark, shutdown).
func (d *Dispatcher) Wait() { d.wg.Wait() }

func (d *Dispatcher) listAlerts(ctx context.Context, e *eventv1.Event) ([]notifv1beta3.Alert, error) {
	var list notifv1beta3.AlertList
	// The Alerts are only read here (deliver copies the one it keeps), so the cache's objects
	// are listed without a deep copy: with many Alerts that copy is most of the matching cost.
	opts := []client.ListOption{client.UnsafeDisableDeepCopy}
	if d.o.NoCrossNamespaceRefs {
		opts = append(opts, client.InNamespace(e.InvolvedObject.Namespace))
	}
	if err := d.o.Client.List(ctx, &list, opts...); err != nil {
		return nil, err
	}
	return list.Items, nil
}

// dispatchToAlert is one Alert's part: match, find the Provider, build the payload, deliver.
func (d *Dispatcher) dispatchToAlert(ctx context.Context, log logr.Logger, alert *notifv1beta3.Alert, e *eventv1.Event) {
	if alert.Spec.Suspend || !alert.DeletionTimestamp.IsZero() || !severityAllows(alert, e) {
		return
	}
	sources := matchingSources(alert, e, d.o.NoCrossNamespaceRefs)
	if len(sources) == 0 {
		return
	}
	if ok, err := d.sourcesMatch(ctx, sources, e); err != nil {
		d.warn(alert, ReasonSourceFetchFailed, "failed to read the labels of %s/%s/%s: %s",
			e.InvolvedObject.Kind, e.InvolvedObject.Namespace, e.InvolvedObject.Name, err)
		return
	} else if !ok {
		return
	}
	if ok, err := messageAllowed(alert, e.Message); err != nil {
		d.warn(alert, ReasonInvalidConfig, "%s", err)
		return
	} else if !ok {
		return
	}

	var provider notifv1beta3.Provider
	key := client.ObjectKey{Namespace: alert.Namespace, Name: alert.Spec.ProviderRef.Name}
	if err := d.o.Client.Get(ctx, key, &provider); err != nil {
		if apierrors.IsNotFound(err) {
			d.warn(alert, ReasonInvalidConfig, "Provider %q not found", key.Name)
		} else {
			d.warn(alert, ReasonDispatchFailed, "reading Provider %q failed: %s", key.Name, err)
		}
		return
	}

	out := *e
	metadata, conflicts := mergeMetadata(alert, e)
	out.Metadata = metadata
	if len(conflicts) > 0 {
		d.warn(alert, ReasonMetadataAppendFailed,
			"metadata keys %s are set by more than one source; the higher-precedence value was sent", strings.Join(conflicts, ", "))
	}
	if reason := providerSkip(&provider, &out, metadata); reason != "" {
		log.V(1).Info("event skipped", "alert", alert.Name, "provider", provider.Name, "why", reason)
		return
	}

	opts, err := NotifierOptions(ctx, d.o.APIReader, &provider)
	if err != nil {
		d.warn(alert, ReasonInvalidConfig, "Provider %q: %s", provider.Name, err)
		return
	}
	opts.Retry = d.o.Retry
	n, err := notifier.New(provider.Spec.Type, opts)
	if err != nil {
		d.warn(alert, ReasonInvalidConfig, "Provider %q: %s", provider.Name, err)
		return
	}
	d.deliver(ctx, alert, &provider, n, out)
}

// sourcesMatch: a source without matchLabels matches outright; one with matchLabels needs the
// object's labels, read as metadata only.
func (d *Dispatcher) sourcesMatch(ctx context.Context, sources []notifv1.CrossNamespaceObjectReference, e *eventv1.Event) (bool, error) {
	var withLabels []notifv1.CrossNamespaceObjectReference
	for _, s := range sources {
		if len(s.MatchLabels) == 0 {
			return true, nil
		}
		withLabels = append(withLabels, s)
	}
	obj := &metav1.PartialObjectMetadata{}
	obj.SetGroupVersionKind(schema.FromAPIVersionAndKind(e.InvolvedObject.APIVersion, e.InvolvedObject.Kind))
	key := client.ObjectKey{Namespace: e.InvolvedObject.Namespace, Name: e.InvolvedObject.Name}
	if err := d.o.APIReader.Get(ctx, key, obj); err != nil {
		if apierrors.IsNotFound(err) {
			return false, nil // the object is gone; nothing left to label-match
		}
		return false, err
	}
	for _, s := range withLabels {
		if labelsMatch(s.MatchLabels, obj.GetLabels()) {
			return true, nil
		}
	}
	return false, nil
}

// deliver posts in the background with the Provider's timeout, counting in-flight deliveries
// per Provider so that a hanging endpoint is bounded.
func (d *Dispatcher) deliver(ctx context.Context, alert *notifv1beta3.Alert, p *notifv1beta3.Provider, n notifier.Interface, e eventv1.Event) {
	if !d.acquire(p.UID) {
		d.warn(alert, ReasonDispatchFailed, "failed to send notification for %s/%s/%s: Provider %q already has %d deliveries in flight",
			e.InvolvedObject.Kind, e.InvolvedObject.Namespace, e.InvolvedObject.Name, p.Name, d.o.MaxPendingPerProvider)
		return
	}
	alert = alert.DeepCopy()
	timeout := p.GetTimeout()
	name := p.Name
	d.wg.Go(func() {
		defer d.release(p.UID)
		sendCtx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		if err := n.Post(sendCtx, e); err != nil {
			if ctx.Err() != nil {
				return // shutting down: not the Provider's fault
			}
			d.warn(alert, ReasonDispatchFailed, "failed to send notification for %s/%s/%s via Provider %q: %s",
				e.InvolvedObject.Kind, e.InvolvedObject.Namespace, e.InvolvedObject.Name, name, err)
		}
	})
}

func (d *Dispatcher) acquire(uid types.UID) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.pending[uid] >= d.o.MaxPendingPerProvider {
		return false
	}
	d.pending[uid]++
	return true
}

func (d *Dispatcher) release(uid types.UID) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.pending[uid]--; d.pending[uid] <= 0 {
		delete(d.pending, uid)
	}
}

func (d *Dispatcher) warn(alert *notifv1beta3.Alert, reason, format string, args ...any) {
	d.o.Log.Info("alert warning", "alert", alert.Namespace+"/"+alert.Name, "reason", reason, "message", fmt.Sprintf(format, args...))
	if d.o.Recorder != nil {
		// A copy: the Alert may be the cache's own object (listed without a deep copy).
		d.o.Recorder.Eventf(alert.DeepCopy(), nil, corev1.EventTypeWarning, reason, "", format, args...)
	}
}
