package kustomization

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	"github.com/fluxcd/pkg/runtime/events"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/log"

	kustomizev1 "github.com/eddy-gitops/eddy/api/kustomize/v1"
	"github.com/eddy-gitops/eddy/kustomize-controller/internal/apply"
	"github.com/eddy-gitops/eddy/kustomize-controller/internal/artifactcache"
	"github.com/eddy-gitops/eddy/kustomize-controller/internal/build"
	"github.com/eddy-gitops/eddy/kustomize-controller/internal/watch"
	"github.com/eddy-gitops/eddy/pkg/reconcile"
)

// Fetcher gives access to an extracted artifact shared between Kustomizations
// (internal/artifactcache implements it).
type Fetcher interface {
	Acquire(ctx context.Context, art *meta.Artifact) (root string, release func(), err error)
}

var _ Fetcher = (*artifactcache.Cache)(nil)

// Reconciler reconciles Kustomizations. Exported fields are its dependencies; Setup fills the
// unexported ones.
type Reconciler struct {
	// Client is the manager's cached client, for Kustomizations and sources.
	Client client.Client
	// APIReader reads Secrets and ConfigMaps without caching them.
	APIReader client.Reader
	// Config is the controller's own rest.Config, the base for impersonated clients.
	Config *rest.Config
	// Mapper is the manager's REST mapper (local cluster).
	Mapper apimeta.RESTMapper
	// Scheme decodes typed objects.
	Scheme *runtime.Scheme
	// Recorder records Kubernetes events and forwards them to notification-controller.
	Recorder events.Recorder
	// Fetcher downloads and extracts artifacts.
	Fetcher Fetcher
	// Plan prepares builds (internal/build.Prepare).
	Plan Planner
	// SOPSAgeSecret is the --sops-age-secret Secret (empty name: none).
	SOPSAgeSecret client.ObjectKey

	// Apply holds the flags that shape server-side apply.
	Apply apply.Options
	// NoCrossNamespaceRefs refuses sources and dependencies in other namespaces.
	NoCrossNamespaceRefs bool
	// NoRemoteBases refuses remote kustomize bases.
	NoRemoteBases bool
	// DefaultServiceAccount is impersonated when spec.serviceAccountName is empty.
	DefaultServiceAccount string
	// RequeueDependency is the retry delay while a source or dependency is not ready.
	RequeueDependency time.Duration
	// HealthInterval is how often health checks re-read objects the watch does not cover
	// (health checks on objects applied by others, remote clusters); default 2s.
	HealthInterval time.Duration
	// ProgressAfter is how long a reconcile runs before it writes its progress (Reconciling=True,
	// Ready=Unknown) ahead of the outcome (reconcile.ProgressDue); zero: 1s, negative: at the first
	// step that works.
	ProgressAfter time.Duration
	// AdditiveCELDependencyCheck runs readyExpr in addition to the built-in readiness check
	// (feature gate) instead of replacing it.
	AdditiveCELDependencyCheck bool
	// Selector, when set, limits the reconciler to Kustomizations whose labels match (sharding
	// several controllers over one cluster; tests run differently configured reconcilers side
	// by side this way).
	Selector labels.Selector

	// Watch holds the shared metadata informers that detect drift and health changes of
	// applied objects (nil: every reconcile applies and polls in full).
	Watch *watch.Set

	clusters    clusterCache
	builds      buildCache
	ledger      perOwner[*applied]
	healthWaits perOwner[*healthWait]
	written     reconcile.Written
}

// scope is what one reconcile knows so far.
type scope struct {
	obj           *kustomizev1.Kustomization
	patcher       *reconcile.Patcher
	start         time.Time
	revision      string
	origin        string
	artifact      *meta.Artifact
	objects       []*unstructured.Unstructured // the desired set; see objs
	remembered    *cachedBuild                 // the build cache entry holding it, until decoded
	validated     bool                         // objects came from the build cache, validated before
	buildKey      string                       // fingerprint of the build inputs, for the build cache
	inputsKey     string                       // the same without the artifact digest
	applySpec     string                       // applySpecKey of obj; see specKey
	deps          *build.Deps                  // what the build read of the artifact
	remoteBases   bool                         // the build may have fetched remote bases
	cluster       *cluster
	applier       *apply.Manager
	previous      *kustomizev1.ResourceInventory // inventory before this reconcile
	changed       bool                           // the cluster was changed (apply or prune wrote something)
	hashes        map[string]string              // manifest hash per object id of the desired set
	drift         map[string]bool                // drift marks taken from the watch
	reported      []string                       // drifted objects left alone (warn mode)
	trusted       bool                           // the watch had synced before this apply
	watchFollowUp bool                           // kinds new to the cluster were not watchable before this apply
	progressed    bool                           // the progress was written once already
	waited        bool                           // as read, the object reported a health wait (Reconciling, Ready=Unknown)
	working       bool                           // progress is worth reporting (new revision, spec change or retry)
}

// Reconcile reads like a table of contents; each step lives in its own file.
func (r *Reconciler) Reconcile(ctx context.Context, req ctrl.Request) (result ctrl.Result, retErr error) {
	obj := &kustomizev1.Kustomization{}
	if found, err := r.written.Get(ctx, r.Client, req.NamespacedName, obj); !found {
		if err == nil {
			r.forgetOwner(req.NamespacedName)
		}
		return ctrl.Result{}, err
	}
	if r.Selector != nil && !r.Selector.Matches(labels.Set(obj.Labels)) {
		return ctrl.Result{}, nil
	}
	if r.written.Stale(obj) {
		// Our last status write has not reached the cache yet: this copy would redo the work
		// that write recorded, and write it again.
		log.FromContext(ctx).V(1).Info("the cached object is older than our last write; retrying shortly")
		return ctrl.Result{RequeueAfter: reconcile.StaleRetry}, nil
	}
	defer r.written.RecordIfWritten(obj, obj.GetResourceVersion())
	s := &scope{obj: obj, patcher: reconcile.NewPatcher(obj, r.Client), start: time.Now()}

	if !obj.DeletionTimestamp.IsZero() {
		return r.reconcileDelete(ctx, s)
	}
	if !controllerutil.ContainsFinalizer(obj, kustomizev1.KustomizationFinalizer) {
		// Persist the finalizer before anything is applied, so nothing can be orphaned.
		controllerutil.AddFinalizer(obj, kustomizev1.KustomizationFinalizer)
		if err := s.patcher.Patch(ctx, obj); err != nil {
			return ctrl.Result{}, err
		}
	}
	if obj.Spec.Suspend {
		log.FromContext(ctx).V(1).Info("reconciliation is suspended")
		return ctrl.Result{}, nil
	}
	defer func() { result, retErr = r.finish(ctx, s, retErr) }()

	s.working = needsProgress(obj)
	s.waited = conditions.IsTrue(obj, meta.ReconcilingCondition) && conditions.IsUnknown(obj, meta.ReadyCondition)
	// spec.timeout bounds fetch, build, apply, prune and health checks together.
	stepCtx, cancel := context.WithTimeout(ctx, obj.GetTimeout())
	defer cancel()
	for _, step := range []func(context.Context, *scope) error{
		r.reconcileSource,
		r.reconcileDependencies,
		r.reconcileBuild,
		r.reconcileApply,
		r.reconcilePrune,
		r.reconcileHealth,
	} {
		if err := step(stepCtx, s); err != nil {
			return ctrl.Result{}, err
		}
	}
	return ctrl.Result{}, nil
}

// finish records the outcome: status (one patch), history and events.
func (r *Reconciler) finish(ctx context.Context, s *scope, recErr error) (ctrl.Result, error) {
	obj := s.obj
	if recErr == nil {
		obj.Status.LastAppliedRevision = s.revision
		obj.Status.LastAppliedOriginRevision = s.origin
	}
	var pending *healthPending
	if errors.As(recErr, &pending) {
		return r.finishPending(ctx, s, pending)
	}
	if recordHistory(obj, s, recErr) {
		obj.Status.History.Upsert(s.artifact.Digest, time.Now(), time.Since(s.start),
			historyStatus(recErr), historyMetadata(s.revision, s.origin))
	}
	res, err := reconcile.Finish{
		Patcher:      s.patcher,
		Conditions:   reconcile.Conditions{Positive: []string{kustomizev1.HealthyCondition}},
		FieldOwner:   kustomizev1.StatusFieldManager,
		ReadyMessage: readyMessage(s.revision),
		ReadyReason:  kustomizev1.ReconciliationSucceededReason,
	}.Apply(ctx, obj, truncate(recErr))
	if recErr == nil {
		if err != nil {
			return res, err // the status was not written: report nothing yet, retry
		}
		r.buildsRemember(s)
		r.remember(s)
		r.event(obj, s.revision, s.origin, eventInfo, kustomizev1.ReconciliationSucceededReason,
			fmt.Sprintf("Reconciliation finished in %s, next run in %s", time.Since(s.start).Round(time.Millisecond), obj.Spec.Interval.Duration),
			map[string]string{kustomizev1.CommitStatusEventMetadataKey: kustomizev1.CommitStatusUpdateValue})
		if s.watchFollowUp && (res.RequeueAfter == 0 || res.RequeueAfter > watchFollowUpAfter) {
			res.RequeueAfter = watchFollowUpAfter
		}
		return res, err
	}
	r.forget(s)
	revision := s.revision
	if revision == "" {
		revision = obj.Status.LastAttemptedRevision
	}
	severity := eventError
	if reconcile.ReasonOf(recErr) == kustomizev1.DependencyNotReadyReason {
		severity = eventInfo
	}
	r.event(obj, revision, s.origin, severity, reconcile.ReasonOf(recErr), conditions.GetMessage(obj, meta.ReadyCondition), nil)
	return res, err
}

// finishPending ends a reconcile that applied everything and waits for health: Ready=Unknown
// and Reconciling=True as in Flux during health checks, written once, and a requeue at the
// timeout; the watch brings the Kustomization back earlier when a checked object changes.
// Nothing is reported as an event: the wait is not a failure.
func (r *Reconciler) finishPending(ctx context.Context, s *scope, p *healthPending) (ctrl.Result, error) {
	obj := s.obj
	r.remember(s)
	conditions.MarkReconciling(obj, meta.ProgressingReason, "%s", p.message)
	conditions.MarkUnknown(obj, meta.ReadyCondition, meta.ProgressingReason, "Reconciliation in progress")
	if v, ok := meta.ReconcileAnnotationValue(obj.GetAnnotations()); ok {
		obj.Status.LastHandledReconcileAt = v
	}
	if err := s.patcher.Patch(ctx, obj, reconcile.WithFieldOwner(kustomizev1.StatusFieldManager)); err != nil {
		return ctrl.Result{}, err
	}
	return ctrl.Result{RequeueAfter: p.requeueAfter}, nil
}

// progress reports what the reconcile is doing (Reconciling=True, Ready=Unknown), but only
// while it does real work: a steady-state reconcile must not write the status. It is written
// at most once per reconcile, at the first step that does real work after ProgressAfter: a
// reconcile that ends sooner reports in one write, its outcome. Later steps only update the
// message in memory, and the final status patch carries the outcome.
func (r *Reconciler) progress(ctx context.Context, s *scope, format string, args ...any) {
	if !s.working {
		return
	}
	msg := fmt.Sprintf(format, args...)
	conditions.MarkReconciling(s.obj, meta.ProgressingReason, "%s", msg)
	conditions.MarkUnknown(s.obj, meta.ReadyCondition, meta.ProgressingReason, "Reconciliation in progress")
	if s.progressed || !reconcile.ProgressDue(time.Since(s.start), r.ProgressAfter) {
		return
	}
	s.progressed = true
	if s.waited && r.continuesHealthWait(s) {
		// The pending write of the previous reconcile already tells watchers that this revision
		// is in progress; the outcome write follows. This keeps a first apply with wait: true at
		// three status writes at most (progress, pending, outcome).
		return
	}
	if err := s.patcher.Patch(ctx, s.obj, reconcile.WithFieldOwner(kustomizev1.StatusFieldManager)); err != nil {
		log.FromContext(ctx).Error(err, "failed to report progress")
	}
}

// retry wraps a failure so that it is retried after spec.retryInterval, as Flux does.
func retry(obj *kustomizev1.Kustomization, reason string, err error) error {
	return &reconcile.Waiting{Reason: reason, Err: err, RequeueAfter: obj.GetRetryInterval()}
}
