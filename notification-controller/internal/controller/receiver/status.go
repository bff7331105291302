package receiver

import (
	"context"

	"github.com/fluxcd/pkg/apis/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrlreconcile "sigs.k8s.io/controller-runtime/pkg/reconcile"

	notifv1 "github.com/eddy-gitops/eddy/api/notification/v1"
	"github.com/eddy-gitops/eddy/notification-controller/internal/receiver"
	"github.com/eddy-gitops/eddy/pkg/reconcile"
)

// readyMessage is the Ready=True message, the same text as Flux's.
func readyMessage(path string) string {
	return "Receiver initialized for path: " + path
}

// validateSpec rejects what only a spec change can fix: an unsupported type, or CEL that does
// not compile (Stalled with InvalidCELExpression, as in Flux).
func validateSpec(spec *notifv1.ReceiverSpec) error {
	if receiver.UnsupportedType(spec.Type) {
		return reconcile.NewStalling(notifv1.ValidationFailedReason,
			"receiver type '%s' is not supported yet", spec.Type)
	}
	for i, res := range spec.Resources {
		if res.IsWildcard() && len(res.MatchLabels) == 0 {
			// The API server's CEL rule forbids this; kept for objects created before it existed.
			return reconcile.NewStalling(notifv1.ValidationFailedReason,
				"spec.resources[%d]: matchLabels must be set when name is '*'", i)
		}
	}
	if _, err := receiver.CompileFilters(spec); err != nil {
		return reconcile.NewStalling(meta.InvalidCELExpressionReason, "%s", err)
	}
	return nil
}

// secretRefIndex maps a Secret name to the Receivers that reference it.
const secretRefIndex = ".spec.secretRef.name"

func indexSecretRef(obj client.Object) []string {
	rcv, ok := obj.(*notifv1.Receiver)
	if !ok || rcv.Spec.SecretRef == nil || rcv.Spec.SecretRef.Name == "" {
		return nil
	}
	return []string{rcv.Spec.SecretRef.Name}
}

// receiversForSecret enqueues the Receivers in the Secret's namespace that reference it, so a
// created, rotated or deleted token shows in their status at once.
func (r *Reconciler) receiversForSecret(ctx context.Context, secret client.Object) []ctrlreconcile.Request {
	var list notifv1.ReceiverList
	if err := r.List(ctx, &list, client.InNamespace(secret.GetNamespace()),
		client.MatchingFields{secretRefIndex: secret.GetName()}); err != nil {
		return nil
	}
	reqs := make([]ctrlreconcile.Request, 0, len(list.Items))
	for i := range list.Items {
		reqs = append(reqs, ctrlreconcile.Request{NamespacedName: client.ObjectKeyFromObject(&list.Items[i])})
	}
	return reqs
}
