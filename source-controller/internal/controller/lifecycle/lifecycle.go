package lifecycle

import (
	"context"
	"os"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/artifact/storage"
	"github.com/fluxcd/pkg/runtime/conditions"
	"github.com/fluxcd/pkg/runtime/events"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/log"

	sourcev1 "github.com/eddy-gitops/eddy/api/source/v1"
	"github.com/eddy-gitops/eddy/pkg/reconcile"
)

// Begin marks obj as reconciling. When its spec changed since it was last observed
// (observedGeneration), Ready becomes Unknown too and both are written at once, so that
// watchers see the new spec being worked on.
func Begin(ctx context.Context, p *reconcile.Patcher, obj reconcile.Object, observedGeneration int64, owner string) error {
	conditions.MarkReconciling(obj, meta.ProgressingReason, "reconciliation in progress")
	if obj.GetGeneration() == observedGeneration {
		return nil
	}
	conditions.MarkUnknown(obj, meta.ReadyCondition, meta.ProgressingReason, "reconciliation in progress")
	return PatchProgress(ctx, p, obj, owner)
}

// Recovered reports whether old had one of the failure conditions (or was Stalled) and obj has
// none of them: the recovery Flux announces with a Succeeded event. It reads the failure
// conditions, not Ready: in old, as read from the cache, Ready may already be Unknown, written
// by the progress patch of a retry whose final Ready=False has not reached the cache yet.
func Recovered(old, obj conditions.Getter, failures []string) bool {
	failed := false
	for _, t := range failures {
		if conditions.IsTrue(old, t) {
			failed = true
		}
		if conditions.IsTrue(obj, t) {
			return false
		}
	}
	return failed || conditions.IsStalled(old)
}

// WorkDir creates the scratch directory of one reconcile of a kind ("gitrepository-*"); the
// caller removes it.
func WorkDir(kind string) (string, error) {
	dir, err := os.MkdirTemp("", kind+"-")
	if err != nil {
		return "", reconcile.NewGeneric(sourcev1.DirCreationFailedReason, "failed to create a temporary working directory: %w", err)
	}
	return dir, nil
}

// PatchProgress writes the progress conditions now, so that watchers see the work started.
func PatchProgress(ctx context.Context, p *reconcile.Patcher, obj client.Object, owner string) error {
	if err := p.Patch(ctx, obj, reconcile.WithFieldOwner(owner)); err != nil {
		return reconcile.NewGeneric(sourcev1.PatchOperationFailedReason, "failed to patch status: %w", err)
	}
	return nil
}

// Suspended records that a requested reconcile was seen and does nothing else: the last
// artifact stays served and the conditions keep describing it.
func Suspended(ctx context.Context, p *reconcile.Patcher, obj reconcile.Object, owner string) error {
	log.FromContext(ctx).V(1).Info("reconciliation is suspended")
	return reconcile.AcknowledgeRequest(ctx, p, obj, owner)
}

// DeleteArtifacts removes every artifact of obj (of kind) from storage and then its finalizer;
// the caller clears status.artifact. A failure keeps the finalizer, so deletion is retried.
func DeleteArtifacts(st *storage.Storage, rec events.Recorder, kind string, obj client.Object) error {
	dir := st.NewArtifactFor(kind, obj, "", "*")
	deleted, err := st.RemoveAll(dir)
	if err != nil {
		rec.Eventf(obj, nil, corev1.EventTypeWarning, sourcev1.GarbageCollectionFailedReason, "delete",
			"garbage collection for deleted resource failed: %s", err)
		return reconcile.NewGeneric(sourcev1.GarbageCollectionFailedReason, "failed to remove artifacts: %w", err)
	}
	if deleted != "" {
		rec.Eventf(obj, nil, corev1.EventTypeNormal, sourcev1.GarbageCollectionSucceededReason, "delete",
			"garbage collected artifacts for deleted resource")
	}
	controllerutil.RemoveFinalizer(obj, sourcev1.SourceFinalizer)
	return nil
}
