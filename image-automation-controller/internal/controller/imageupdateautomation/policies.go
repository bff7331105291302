package imageupdateautomation

import (
	"context"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	ctrlreconcile "sigs.k8s.io/controller-runtime/pkg/reconcile"

	imagev1 "github.com/eddy-gitops/eddy/api/image/v1"
	"github.com/eddy-gitops/eddy/image-automation-controller/internal/update"
	"github.com/eddy-gitops/eddy/pkg/reconcile"
)

// reconcilePolicies collects the ImagePolicies of the namespace that match spec.policySelector and
// have a latest image. Policies that are not Ready are left out: their markers stay as they are.
func (r *Reconciler) reconcilePolicies(ctx context.Context, s *scope) error {
	selector, err := policySelector(s.obj)
	if err != nil {
		return reconcile.NewStalling(imagev1.InvalidPolicySelectorReason, "invalid policy selector: %s", err)
	}
	list := &imagev1.ImagePolicyList{}
	if err := r.List(ctx, list, client.InNamespace(s.obj.Namespace), client.MatchingLabelsSelector{Selector: selector}); err != nil {
		return reconcile.NewGeneric(meta.FailedReason, "failed to list ImagePolicies: %w", err)
	}
	s.policies, s.observed = usablePolicies(list.Items)
	return nil
}

// policySelector returns spec.policySelector as a selector; nil selects everything.
func policySelector(obj *imagev1.ImageUpdateAutomation) (labels.Selector, error) {
	if obj.Spec.PolicySelector == nil {
		return labels.Everything(), nil
	}
	return metav1.LabelSelectorAsSelector(obj.Spec.PolicySelector)
}

// usablePolicies keeps the Ready policies that have a latest image, keyed for the setters and
// for status.observedPolicies.
func usablePolicies(items []imagev1.ImagePolicy) (map[update.PolicyKey]imagev1.ImageRef, imagev1.ObservedPolicies) {
	policies := map[update.PolicyKey]imagev1.ImageRef{}
	observed := imagev1.ObservedPolicies{}
	for i := range items {
		p := &items[i]
		if p.Status.LatestRef == nil || !conditions.IsReady(p) {
			continue
		}
		policies[update.PolicyKey{Namespace: p.Namespace, Name: p.Name}] = *p.Status.LatestRef
		observed[p.Name] = *p.Status.LatestRef
	}
	return policies, observed
}

// automationsForPolicy maps an ImagePolicy to the automations of its namespace that select it.
func (r *Reconciler) automationsForPolicy(ctx context.Context, obj client.Object) []ctrlreconcile.Request {
	list := &imagev1.ImageUpdateAutomationList{}
	if err := r.List(ctx, list, client.InNamespace(obj.GetNamespace())); err != nil {
		return nil
	}
	var reqs []ctrlreconcile.Request
	for i := range list.Items {
		a := &list.Items[i]
		selector, err := policySelector(a)
		if err != nil || !selector.Matches(labels.Set(obj.GetLabels())) {
			continue
		}
		reqs = append(reqs, ctrlreconcile.Request{NamespacedName: client.ObjectKeyFromObject(a)})
	}
	return reqs
}

// latestRefChanged passes ImagePolicy events that can change what an automation writes: a new
// latest image, or a policy appearing.
type latestRefChanged struct {
	predicate.Funcs
}

func (latestRefChanged) Create(event.CreateEvent) bool { return true }

func (latestRefChanged) Update(e event.UpdateEvent) bool {
	oldP, ok1 := e.ObjectOld.(*imagev1.ImagePolicy)
	newP, ok2 := e.ObjectNew.(*imagev1.ImagePolicy)
	if !ok1 || !ok2 {
		return false
	}
	return !apiequality.Semantic.DeepEqual(oldP.Status.LatestRef, newP.Status.LatestRef) ||
		conditions.IsReady(oldP) != conditions.IsReady(newP)
}

func (latestRefChanged) Delete(event.DeleteEvent) bool { return false }
