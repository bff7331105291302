package lifecycle

import (
	"context"

	"github.com/fluxcd/pkg/artifact/storage"
	"github.com/fluxcd/pkg/runtime/events"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/log"

	sourcev1 "github.com/eddy-gitops/eddy/api/source/v1"
	"github.com/eddy-gitops/eddy/pkg/reconcile"
)

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
