package kustomization

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/fluxcd/cli-utils/pkg/kstatus/polling/event"
	"github.com/fluxcd/cli-utils/pkg/kstatus/status"
	"github.com/fluxcd/cli-utils/pkg/object"
	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	kustomizev1 "github.com/eddy-gitops/eddy/api/kustomize/v1"
	"github.com/eddy-gitops/eddy/kustomize-controller/internal/health"
	"github.com/eddy-gitops/eddy/pkg/reconcile"
)

// healthWait is what the reconciler remembers between the reconciles of one health wait:
// when it started and which objects were already seen Current. Objects owned by the
// Kustomization are re-read only after the watch saw them change; other objects (health checks
// on objects applied by someone else, remote clusters) are re-read on every attempt.
type healthWait struct {
	key     string // what the wait is for: healthWaitKey
	since   time.Time
	current map[string]bool
}

// healthPending ends a reconcile whose objects are not healthy yet, without holding a worker:
// the watch enqueues the Kustomization when a checked object changes, and RequeueAfter brings
// it back for the timeout (or the next poll of unwatched objects).
type healthPending struct {
	message      string
	requeueAfter time.Duration
}

func (e *healthPending) Error() string { return e.message }

// reconcileHealth checks the objects of spec.wait or spec.healthChecks once and sets Healthy.
func (r *Reconciler) reconcileHealth(ctx context.Context, s *scope) error {
	obj := s.obj
	set, err := healthSet(obj)
	if err != nil {
		return retry(obj, kustomizev1.HealthCheckFailedReason, err)
	}
	watched := r.watchedIDs(s, set)
	if len(set) == 0 {
		conditions.Delete(obj, kustomizev1.HealthyCondition)
		r.healthWaits.drop(ownerKey(obj))
		return nil
	}
	checker, err := health.NewPoller(s.cluster.client, s.cluster.mapper, obj.Spec.HealthCheckExprs, r.healthInterval())
	if err != nil {
		var invalid *health.InvalidExprError
		if errors.As(err, &invalid) {
			return reconcile.NewStalling(kustomizev1.InvalidCELExpressionReason, "%v", err)
		}
		return retry(obj, kustomizev1.HealthCheckFailedReason, err)
	}
	wasHealthy := conditions.IsTrue(obj, kustomizev1.HealthyCondition)
	w := r.healthWaitFor(s, watched)
	r.markStaticallyHealthy(s, set, watched, w.current)
	toCheck := uncheckedObjects(set, w.current)
	if len(toCheck) == 0 && wasHealthy && !s.working && !s.changed {
		return nil // nothing changed since every object was seen healthy: no request at all
	}
	if s.working || !wasHealthy {
		s.working = true
		msg := fmt.Sprintf("Running health checks for revision %s with a timeout of %s", s.revision, obj.GetTimeout())
		conditions.MarkUnknown(obj, kustomizev1.HealthyCondition, meta.ProgressingReason, "%s", msg)
		r.progress(ctx, s, "%s", msg)
	}
	statuses, err := checker.Snapshot(ctx, toCheck)
	if err != nil && ctx.Err() != nil && !errors.Is(ctx.Err(), context.DeadlineExceeded) {
		conditions.MarkFalse(obj, kustomizev1.HealthyCondition, kustomizev1.HealthCheckCanceledReason, "Health check canceled")
		return retry(obj, kustomizev1.HealthCheckCanceledReason, fmt.Errorf("health check canceled: %w", err))
	}
	if err != nil {
		conditions.MarkFalse(obj, kustomizev1.HealthyCondition, kustomizev1.HealthCheckFailedReason, "%s", err)
		return retry(obj, kustomizev1.HealthCheckFailedReason, fmt.Errorf("health check failed: %w", err))
	}
	failed, pending := classify(statuses, watched, w.current)
	elapsed := time.Since(w.since)
	switch {
	case len(failed) > 0:
		return r.healthFailed(obj, fmt.Errorf("health check failed after %s: %s", elapsed.Round(time.Millisecond), strings.Join(failed, ", ")))
	case len(pending) > 0 && elapsed >= obj.GetTimeout():
		return r.healthFailed(obj, fmt.Errorf("health check failed after %s: timeout waiting for: [%s]", elapsed.Round(time.Millisecond), strings.Join(pending, ", ")))
	case len(pending) > 0:
		return &healthPending{
			message:      fmt.Sprintf("Running health checks for revision %s with a timeout of %s", s.revision, obj.GetTimeout()),
			requeueAfter: r.healthRequeue(obj.GetTimeout()-elapsed, len(toCheck) > countWatched(toCheck, watched)),
		}
	}
	if wasHealthy && !s.working && !s.changed {
		return nil // still healthy: keep the condition (and its timing message) as it is
	}
	msg := fmt.Sprintf("Health check passed in %s", elapsed.Round(time.Millisecond))
	conditions.MarkTrue(obj, kustomizev1.HealthyCondition, meta.SucceededReason, "%s", msg)
	r.event(obj, s.revision, s.origin, eventInfo, kustomizev1.ProgressingReason, msg, nil)
	return nil
}

func (r *Reconciler) healthFailed(obj *kustomizev1.Kustomization, err error) error {
	r.healthWaits.drop(ownerKey(obj))
	conditions.MarkFalse(obj, kustomizev1.HealthyCondition, kustomizev1.HealthCheckFailedReason, "%s", err)
	return retry(obj, kustomizev1.HealthCheckFailedReason, err)
}

// healthWaitKey identifies a health wait: the revision, the part of the spec that decides what
// is applied (applySpecKey) and the custom health checks, which decide what Current means for
// their kinds. It does not change with the fields that only schedule or select what is checked
// (interval, timeout, suspend, wait, healthChecks, ...): a `flux resume` or a new interval keeps
// the objects already seen Current, and costs no read of them, as it costs no apply. An
// object added to the checked set by wait or healthChecks is not among them, so it is read.
func healthWaitKey(s *scope) string {
	return s.revision + "|" + s.specKey() + "|" + healthExprsKey(s.obj.Spec.HealthCheckExprs)
}

// healthExprsKey identifies spec.healthCheckExprs by their JSON encoding ("" when there are
// none), which cannot fail: every field is a string.
func healthExprsKey(exprs []kustomizev1.CustomHealthCheck) string {
	if len(exprs) == 0 {
		return ""
	}
	b, _ := json.Marshal(exprs)
	return string(b)
}

// continuesHealthWait reports whether this reconcile continues the health wait (healthWaitKey)
// that an earlier reconcile started.
func (r *Reconciler) continuesHealthWait(s *scope) bool {
	w := r.healthWaits.get(s.obj)
	return w != nil && w.key == healthWaitKey(s)
}

// healthWaitFor returns the wait of healthWaitKey, starting a new one when the objects changed,
// and forgets the objects the watch saw change since the last attempt.
func (r *Reconciler) healthWaitFor(s *scope, watched map[string]bool) *healthWait {
	key := healthWaitKey(s)
	w := r.healthWaits.get(s.obj)
	if w == nil || w.key != key || s.changed {
		w = &healthWait{key: key, since: time.Now(), current: map[string]bool{}}
		r.healthWaits.put(s.obj, w)
	}
	if r.Watch != nil && s.obj.Spec.KubeConfig == nil {
		ids := make([]string, 0, len(watched))
		for id := range watched {
			ids = append(ids, id)
		}
		for id := range r.Watch.WatchHealth(ownerKey(s.obj), ids) {
			delete(w.current, id)
		}
	}
	return w
}

// watchedIDs are the checked objects the watch reports changes of: those this Kustomization
// applied to the local cluster.
func (r *Reconciler) watchedIDs(s *scope, set object.ObjMetadataSet) map[string]bool {
	out := map[string]bool{}
	if r.Watch == nil || s.obj.Spec.KubeConfig != nil || s.obj.Status.Inventory == nil {
		return out
	}
	inInventory := map[string]bool{}
	for _, e := range s.obj.Status.Inventory.Entries {
		inInventory[e.ID] = true
	}
	for _, m := range set {
		if id := m.String(); inInventory[id] {
			out[id] = true
		}
	}
	return out
}

// markStaticallyHealthy records as Current, without reading them, the watched objects whose
// kind has no notion of readiness and no custom health check (a ConfigMap is Current as soon as it exists; so is a
// Service that waits for no load balancer). Existence and the absence of a deletion in
// progress come from the watch's cache; objects it does not know yet are read as usual.
func (r *Reconciler) markStaticallyHealthy(s *scope, set object.ObjMetadataSet, watched, current map[string]bool) {
	if r.Watch == nil || len(watched) == 0 {
		return
	}
	// A kind with a custom health check (spec.healthCheckExprs) has a readiness of its own.
	custom := map[string]bool{}
	for _, c := range s.obj.Spec.HealthCheckExprs {
		custom[c.APIVersion+"/"+c.Kind] = true
	}
	pending := false
	for id := range watched { // the watched ids are ids of set
		if !current[id] {
			pending = true
			break
		}
	}
	if !pending {
		return // every watched object was seen healthy already: the manifests are not needed
	}
	objs, err := s.objs()
	if err != nil {
		return // the objects are read as usual
	}
	byID := make(map[string]*unstructured.Unstructured, len(objs))
	for _, o := range objs {
		byID[object.UnstructuredToObjMetadata(o).String()] = o
	}
	for _, m := range set {
		id := m.String()
		o := byID[id]
		if current[id] || !watched[id] || o == nil || custom[o.GetAPIVersion()+"/"+o.GetKind()] || !staticallyHealthy(o) {
			continue
		}
		md, found, known := r.Watch.Metadata(o.GroupVersionKind(), o.GetNamespace(), o.GetName())
		if known && found && md.DeletionTimestamp == nil {
			current[id] = true
		}
	}
}

// staticallyHealthy reports whether kstatus computes Current for every live object of this
// manifest that exists and is not being deleted: kinds without status (or whose status carries
// no readiness), so that reading them would tell nothing new.
func staticallyHealthy(o *unstructured.Unstructured) bool {
	gvk := o.GroupVersionKind()
	switch gvk.Group {
	case "":
		switch gvk.Kind {
		case "ConfigMap", "Secret", "ServiceAccount", "LimitRange":
			return true
		case "Service":
			t, _, _ := unstructured.NestedString(o.Object, "spec", "type")
			return t != "LoadBalancer"
		}
	case "rbac.authorization.k8s.io":
		switch gvk.Kind {
		case "Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding":
			return true
		}
	case "scheduling.k8s.io":
		return gvk.Kind == "PriorityClass"
	}
	return false
}

// uncheckedObjects are the objects of set not known to be Current.
func uncheckedObjects(set object.ObjMetadataSet, current map[string]bool) object.ObjMetadataSet {
	var out object.ObjMetadataSet
	for _, m := range set {
		if !current[m.String()] {
			out = append(out, m)
		}
	}
	return out
}

// classify sorts a health snapshot into failed and pending objects (messages sorted, stable
// across attempts) and records the Current objects that the watch will report changes of.
func classify(statuses map[object.ObjMetadata]*event.ResourceStatus, watched, current map[string]bool) (failed, pending []string) {
	for id, st := range statuses {
		subject := subjectOfID(id.String())
		switch st.Status {
		case status.CurrentStatus:
			if watched[id.String()] {
				current[id.String()] = true
			}
		case status.FailedStatus:
			failed = append(failed, fmt.Sprintf("%s status: '%s'", subject, st.Status))
		default:
			pending = append(pending, fmt.Sprintf("%s status: '%s'", subject, st.Status))
		}
	}
	sort.Strings(failed)
	sort.Strings(pending)
	return failed, pending
}

func countWatched(set object.ObjMetadataSet, watched map[string]bool) int {
	n := 0
	for _, m := range set {
		if watched[m.String()] {
			n++
		}
	}
	return n
}

// healthRequeue is when a pending health check is looked at again without a watch event: at
// the timeout, or at the poll interval when some objects are not watched.
func (r *Reconciler) healthRequeue(remaining time.Duration, unwatched bool) time.Duration {
	if unwatched && r.healthInterval() < remaining {
		return r.healthInterval()
	}
	if remaining < 10*time.Millisecond {
		return 10 * time.Millisecond
	}
	return remaining
}

func (r *Reconciler) healthInterval() time.Duration {
	if r.HealthInterval > 0 {
		return r.HealthInterval
	}
	return 2 * time.Second
}
