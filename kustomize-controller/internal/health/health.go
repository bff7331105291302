package health

import (
	"context"
	"fmt"
	"time"

	"github.com/fluxcd/cli-utils/pkg/kstatus/polling"
	"github.com/fluxcd/cli-utils/pkg/kstatus/polling/clusterreader"
	"github.com/fluxcd/cli-utils/pkg/kstatus/polling/engine"
	"github.com/fluxcd/cli-utils/pkg/kstatus/polling/event"
	"github.com/fluxcd/cli-utils/pkg/object"
	fluxkustomize "github.com/fluxcd/pkg/apis/kustomize"
	"github.com/fluxcd/pkg/runtime/cel"
	"github.com/fluxcd/pkg/runtime/statusreaders"
	"github.com/fluxcd/pkg/ssa"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kustomizev1 "github.com/eddy-gitops/eddy/api/kustomize/v1"
)

// Checker waits until every object of a set is healthy, or reports the ones that are not.
type Checker interface {
	// Check returns nil when all objects are Current. It returns early when an object Failed,
	// and after timeout otherwise, naming each object that is not healthy and its status.
	Check(ctx context.Context, set object.ObjMetadataSet, timeout time.Duration) error
}

// InvalidExprError reports a spec.healthCheckExprs entry that does not compile; only a spec
// change can fix it.
type InvalidExprError struct{ Err error }

func (e *InvalidExprError) Error() string { return e.Err.Error() }
func (e *InvalidExprError) Unwrap() error { return e.Err }

// Poller checks health by polling the objects with kstatus.
type Poller struct {
	reader   client.Reader
	mapper   apimeta.RESTMapper
	readers  []engine.StatusReader
	interval time.Duration
}

// directReadLimit is the largest set that Snapshot reads object by object. kstatus's default
// caching reader lists every object of each kind in each namespace of the set (and, for
// Deployments, their ReplicaSets and Pods): cheap for one Kustomization of a thousand objects,
// but for a handful of objects in a namespace shared by a hundred Kustomizations it reads the
// whole namespace on every check, which made health checks quadratic in the number of
// Kustomizations per namespace.
const directReadLimit = 32

// NewPoller returns a Checker reading from reader (the target cluster) every interval, with
// the custom CEL health checks compiled. A bad expression is an *InvalidExprError.
func NewPoller(reader client.Reader, mapper apimeta.RESTMapper, exprs []kustomizev1.CustomHealthCheck, interval time.Duration) (*Poller, error) {
	readers := []engine.StatusReader{statusreaders.NewCustomJobStatusReader(mapper), newDeploymentReader(mapper)}
	if len(exprs) > 0 {
		checks := make([]fluxkustomize.CustomHealthCheck, 0, len(exprs))
		for _, e := range exprs {
			checks = append(checks, fluxkustomize.CustomHealthCheck{
				APIVersion: e.APIVersion,
				Kind:       e.Kind,
				HealthCheckExpressions: fluxkustomize.HealthCheckExpressions{
					InProgress: e.InProgress, Failed: e.Failed, Current: e.Current,
				},
			})
		}
		ctor, err := cel.NewStatusReader(checks)
		if err != nil {
			return nil, &InvalidExprError{Err: fmt.Errorf("invalid spec.healthCheckExprs: %w", err)}
		}
		// The CEL reader goes first so that it wins over the built-in readers for its kinds.
		readers = append([]engine.StatusReader{ctor(mapper)}, readers...)
	}
	return &Poller{reader: reader, mapper: mapper, readers: readers, interval: interval}, nil
}

// poller returns a kstatus poller reading object by object (direct) or by listing each kind
// per namespace (kstatus's caching reader).
func (p *Poller) poller(direct bool) *polling.StatusPoller {
	opts := polling.Options{CustomStatusReaders: p.readers}
	if direct {
		opts.ClusterReaderFactory = engine.ClusterReaderFactoryFunc(clusterreader.NewDirectClusterReader)
	}
	return polling.NewStatusPoller(p.reader, p.mapper, opts)
}

// Check implements Checker.
func (p *Poller) Check(ctx context.Context, set object.ObjMetadataSet, timeout time.Duration) error {
	if len(set) == 0 {
		return nil
	}
	rm := ssa.NewResourceManager(nil, p.poller(false), ssa.Owner{})
	return rm.WaitForSetWithContext(ctx, set, ssa.WaitOptions{Interval: p.interval, Timeout: timeout, FailFast: true})
}

// Snapshot reads the current kstatus of every object of set once (one read per object) and
// returns it without waiting: the caller decides what to do with objects still in progress.
func (p *Poller) Snapshot(ctx context.Context, set object.ObjMetadataSet) (map[object.ObjMetadata]*event.ResourceStatus, error) {
	out := make(map[object.ObjMetadata]*event.ResourceStatus, len(set))
	if len(set) == 0 {
		return out, nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// The first poll is immediate and reports every object once; the interval only matters if
	// the caller were to keep listening, which it does not.
	events := p.poller(len(set) <= directReadLimit).Poll(ctx, set, polling.PollOptions{PollInterval: time.Hour})
	for len(out) < len(set) {
		select {
		case <-ctx.Done():
			return out, ctx.Err()
		case e, ok := <-events:
			if !ok {
				return out, fmt.Errorf("health check stopped after %d of %d objects", len(out), len(set))
			}
			switch e.Type {
			case event.ErrorEvent:
				return out, e.Error
			case event.ResourceUpdateEvent:
				out[e.Resource.Identifier] = e.Resource
			}
		}
	}
	return out, nil
}
