package reconcile

import (
	"context"

	"github.com/fluxcd/pkg/apis/meta"
)

// AcknowledgeRequest is what a suspended object gets instead of a reconcile: a pending
// reconcile.fluxcd.io/requestedAt is copied to status.lastHandledReconcileAt (so `flux reconcile`
// sees it was handled) and nothing else changes. Without a request it patches nothing.
func AcknowledgeRequest(ctx context.Context, patcher *Patcher, obj Object, fieldOwner string) error {
	v, ok := meta.ReconcileAnnotationValue(obj.GetAnnotations())
	if !ok {
		return nil
	}
	setLastHandledReconcileAt(obj, v)
	return patcher.Patch(ctx, obj, WithFieldOwner(fieldOwner))
}
