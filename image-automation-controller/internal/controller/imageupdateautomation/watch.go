package imageupdateautomation

import (
	"context"
	"fmt"

	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	ctrlreconcile "sigs.k8s.io/controller-runtime/pkg/reconcile"

	imagev1 "github.com/eddy-gitops/eddy/api/image/v1"
)

// sourceRefIndex indexes ImageUpdateAutomations by the "<namespace>/<name>" of their
// GitRepository, so that a GitRepository event finds its automations without listing them all.
const sourceRefIndex = ".metadata.sourceRef"

func indexSourceRef(obj client.Object) []string {
	a, ok := obj.(*imagev1.ImageUpdateAutomation)
	if !ok {
		return nil
	}
	key := sourceKey(a)
	return []string{fmt.Sprintf("%s/%s", key.Namespace, key.Name)}
}

// automationsForSource maps a GitRepository to the automations that refer to it.
func (r *Reconciler) automationsForSource(ctx context.Context, obj client.Object) []ctrlreconcile.Request {
	list := &imagev1.ImageUpdateAutomationList{}
	key := fmt.Sprintf("%s/%s", obj.GetNamespace(), obj.GetName())
	if err := r.List(ctx, list, client.MatchingFields{sourceRefIndex: key}); err != nil {
		return nil
	}
	reqs := make([]ctrlreconcile.Request, 0, len(list.Items))
	for i := range list.Items {
		reqs = append(reqs, ctrlreconcile.Request{NamespacedName: client.ObjectKeyFromObject(&list.Items[i])})
	}
	return reqs
}

// sourceSpecChanged passes the GitRepository events that can change a run: the repository
// appearing (an automation may be waiting for it) and a spec change (URL, credentials, ref).
// Status updates by source-controller do not matter: the automation fetches for itself.
type sourceSpecChanged struct {
	predicate.Funcs
}

func (sourceSpecChanged) Create(event.CreateEvent) bool { return true }

func (sourceSpecChanged) Update(e event.UpdateEvent) bool {
	return e.ObjectOld.GetGeneration() != e.ObjectNew.GetGeneration()
}

func (sourceSpecChanged) Delete(event.DeleteEvent) bool { return false }
