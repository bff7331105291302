package gitrepository

import (
	"context"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	sourcev1 "github.com/eddy-gitops/eddy/api/source/v1"
)

// gcTimeout bounds one garbage collection of old artifacts.
const gcTimeout = 5 * time.Second

// reconcileStorage makes status.artifact tell the truth about the storage: old artifacts are
// garbage collected (never the current one), an artifact whose file is missing or corrupt is
// dropped from status so that it is rebuilt, and the URL follows the advertised address. The
// digest is only recomputed when the file changed since this process last hashed it (see
// artifactChecks); a missing or resized file is caught by a stat. It owns ArtifactInStorage.
func (r *Reconciler) reconcileStorage(ctx context.Context, s *scope) error {
	obj := s.obj
	if a := obj.GetArtifact(); a != nil {
		if _, err := r.Storage.GarbageCollect(ctx, *a, gcTimeout); err != nil {
			// Old files staying around a bit longer harms nobody; report and go on.
			log.FromContext(ctx).Error(err, "garbage collection of old artifacts failed")
		}
		if err := r.checks.verify(r.Storage, client.ObjectKeyFromObject(obj), *a); err != nil {
			log.FromContext(ctx).Info("stored artifact is missing or corrupt; rebuilding", "path", a.Path, "error", err.Error())
			_ = r.Storage.Remove(*a)
			obj.Status.Artifact = nil
		}
	}
	a := obj.GetArtifact()
	if a == nil {
		conditions.Delete(obj, sourcev1.ArtifactInStorageCondition)
		conditions.MarkReconciling(obj, meta.ProgressingReason, "building artifact")
		return nil
	}
	r.Storage.SetArtifactURL(a)
	conditions.MarkTrue(obj, sourcev1.ArtifactInStorageCondition, meta.SucceededReason, "%s", readyMessage(a))
	return nil
}
