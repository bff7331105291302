package ocirepository

import (
	"context"
	"fmt"

	eventv1 "github.com/fluxcd/pkg/apis/event/v1"
	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	rreconcile "github.com/fluxcd/pkg/runtime/reconcile"
	corev1 "k8s.io/api/core/v1"

	sourcev1 "github.com/eddy-gitops/eddy/api/source/v1"
)

// reconcileStorage collects old artifacts and checks that the one in status is still stored.
// A vanished artifact is dropped from status so that it is rebuilt; a present one gets its URL
// refreshed, in case --storage-adv-addr changed.
func (r *Reconciler) reconcileStorage(ctx context.Context, s *scope) error {
	r.garbageCollect(ctx, s)

	a := s.obj.Status.Artifact
	switch {
	case a == nil:
		conditions.Delete(s.obj, sourcev1.ArtifactInStorageCondition)
		rreconcile.ProgressiveStatus(false, s.obj, meta.ProgressingReason, "building artifact")
	case !r.Storage.ArtifactExist(*a):
		s.obj.Status.Artifact = nil
		s.obj.Status.URL = ""
		conditions.Delete(s.obj, sourcev1.ArtifactInStorageCondition)
		rreconcile.ProgressiveStatus(true, s.obj, meta.ProgressingReason, "building artifact: disappeared from storage")
	default:
		r.Storage.SetArtifactURL(a)
		s.obj.Status.URL = latestURL(r.Storage, *a)
		conditions.MarkTrue(s.obj, sourcev1.ArtifactInStorageCondition, meta.SucceededReason,
			"stored artifact for digest '%s'", a.Digest)
		s.readyMessage = readyMessage(a)
	}
	return nil
}

// garbageCollect removes old artifact files beyond the retention records and TTL. It never
// removes the artifact in status, and a failure only produces a Warning event: serving the
// current artifact matters more than tidying the old ones.
func (r *Reconciler) garbageCollect(ctx context.Context, s *scope) {
	a := s.obj.Status.Artifact
	if a == nil {
		return
	}
	deleted, err := r.Storage.GarbageCollect(ctx, *a, gcTimeout)
	if err != nil {
		r.Recorder.Eventf(s.obj, nil, corev1.EventTypeWarning, sourcev1.GarbageCollectionFailedReason, "reconcile",
			"garbage collection of artifacts failed: %s", err)
		return
	}
	if len(deleted) > 0 {
		// Trace: recorded as a Kubernetes Event only, never forwarded as a notification.
		r.Recorder.Eventf(s.obj, nil, eventv1.EventTypeTrace, sourcev1.GarbageCollectionSucceededReason, "reconcile",
			"%s", fmt.Sprintf("garbage collected %d artifacts", len(deleted)))
	}
}
