package apply

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	ssaerrors "github.com/fluxcd/pkg/ssa/errors"
	ssautils "github.com/fluxcd/pkg/ssa/utils"
	"golang.org/x/sync/errgroup"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kustomizev1 "github.com/eddy-gitops/eddy/api/kustomize/v1"
)

// Validate checks the whole set before the first write, so that a bad revision changes nothing:
//   - every object is validated: locally where that is as strong as the server's check
//     (local.go), otherwise by a dry-run apply (schema, admission, RBAC of the impersonated
//     account);
//   - an existing object whose owner labels name another Kustomization is refused rather than
//     silently taken over.
//
// Objects that cannot be dry-run yet are tolerated when the set itself provides what they need:
// custom resources whose CRD is in the set, and objects in a Namespace the set creates. All
// problems are reported together, sorted, so the message is stable across reconciles.
func (m *Manager) Validate(ctx context.Context, objs []*unstructured.Unstructured, force bool) error {
	m.validated = true
	crdKinds, namespaces := provided(objs)
	st, crdProblems := m.prepareLocal(ctx, objs, namespaces)
	var (
		mu   sync.Mutex
		errs []string
	)
	report := func(msg string) {
		mu.Lock()
		errs = append(errs, msg)
		mu.Unlock()
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(m.opts.Concurrency)
	for _, obj := range objs {
		g.Go(func() error {
			if msg := m.validateOne(gctx, obj, force, crdKinds, namespaces, st); msg != "" {
				report(msg)
			}
			return nil
		})
	}
	_ = g.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	if crdProblems != "" {
		errs = append(errs, crdProblems)
	}
	if len(errs) == 0 {
		return nil
	}
	sort.Strings(errs)
	return errors.New(strings.Join(errs, "\n"))
}

// validateOne returns a problem with obj, or "".
//
// With a Lookup (the controller's metadata informers, in sync) the object is not read: the
// informers hold every object any Kustomization applied, with the labels and annotations the
// checks need, and an object they do not hold carries no owner label, so only the dry-run can
// find a problem with it. If that dry-run fails, the object is read and checked as without a
// Lookup, so that the messages are the same.
func (m *Manager) validateOne(ctx context.Context, obj *unstructured.Unstructured, force bool,
	crdKinds map[schema.GroupKind]bool, namespaces map[string]bool, st *localState) string {
	if ssautils.AnyInMetadata(obj, exclusions) {
		return ""
	}
	if st.crdSchemas[obj.GroupVersionKind()] != nil {
		if msg, decided := m.validateSetKind(ctx, obj, st); decided {
			return msg
		}
	}
	if m.lookup != nil {
		md, found, known := m.lookup.Metadata(obj.GroupVersionKind(), obj.GetNamespace(), obj.GetName())
		switch {
		case known && found:
			existing := &unstructured.Unstructured{}
			existing.SetGroupVersionKind(obj.GroupVersionKind())
			existing.SetNamespace(obj.GetNamespace())
			existing.SetName(obj.GetName())
			existing.SetLabels(md.Labels)
			existing.SetAnnotations(md.Annotations)
			return m.checkAndDryRun(ctx, obj, existing, force, namespaces)
		case known && m.local != nil && m.localEligible(obj, force):
			// No object with owner labels: validate locally and, if the object does not exist
			// at all, apply it with one request (local.go). An object that exists without
			// owner labels keeps the dry-run, which shows what the apply must take care of
			// (other field managers, its own annotations).
			msg, covered := m.checkLocal(ctx, obj, st)
			switch {
			case covered && msg != "":
				// Rejected by the schema read from the server. The server has the last word: a
				// schema that changed since it was read must not reject a valid object.
				if m.checkAndDryRun(ctx, obj, nil, force, namespaces) == "" {
					return ""
				}
				return msg
			case covered:
				if exists, known := m.exists(ctx, st, obj); known && !exists {
					m.direct.Store(obj, directInfo{unverified: true})
					return ""
				}
			}
			if m.checkAndDryRun(ctx, obj, nil, force, namespaces) == "" {
				return ""
			}
		case known:
			if m.checkAndDryRun(ctx, obj, nil, force, namespaces) == "" {
				return ""
			}
		}
	}
	gk := obj.GroupVersionKind().GroupKind()
	existing := &unstructured.Unstructured{}
	existing.SetGroupVersionKind(obj.GroupVersionKind())
	err := m.c.Get(ctx, client.ObjectKeyFromObject(obj), existing)
	switch {
	case (apimeta.IsNoMatchError(err) || isResourceGone(err)) && crdKinds[gk]:
		return "" // its CRD is applied in the first stage; ApplyAllStaged dry-runs it then
	case apimeta.IsNoMatchError(err) || isResourceGone(err):
		return fmt.Sprintf("%s: no matches for kind %q in version %q (is the CRD installed?)",
			ssautils.FmtUnstructured(obj), obj.GetKind(), obj.GetAPIVersion())
	case apierrors.IsNotFound(err):
		existing = nil
	case err != nil:
		return fmt.Sprintf("%s: %v", ssautils.FmtUnstructured(obj), err)
	}
	return m.checkAndDryRun(ctx, obj, existing, force, namespaces)
}

// checkAndDryRun checks obj against the object in the cluster (nil: none) and dry-runs it.
func (m *Manager) checkAndDryRun(ctx context.Context, obj, existing *unstructured.Unstructured, force bool, namespaces map[string]bool) string {
	if existing != nil {
		if ssautils.AnyInMetadata(existing, exclusions) {
			return ""
		}
		if msg := m.ownerConflict(obj, existing); msg != "" {
			return msg
		}
		if ssautils.AnyInMetadata(obj, map[string]string{kustomizev1.SSAAnnotation: kustomizev1.IfNotPresentValue}) {
			return "" // never updated, only created
		}
	}
	result, err := m.dryRunOne(ctx, obj)
	switch {
	case err == nil:
		m.noteDryRun(obj, existing, result)
		return ""
	case isNamespaceNotFound(err, namespaces):
		return ""
	case existing != nil && ssaerrors.IsImmutableError(err) &&
		(force || ssautils.AnyInMetadata(obj, map[string]string{kustomizev1.ForceAnnotation: kustomizev1.EnabledValue}) ||
			ssautils.AnyInMetadata(existing, map[string]string{kustomizev1.ForceAnnotation: kustomizev1.EnabledValue})):
		return "" // will be recreated
	case ssaerrors.IsImmutableError(err):
		return ssaerrors.NewDryRunErr(err, obj).Error() + " (set spec.force or the " + kustomizev1.ForceAnnotation + ": enabled annotation to recreate it)"
	default:
		return ssaerrors.NewDryRunErr(err, obj).Error()
	}
}

// validateSetKind validates a custom resource whose CRD is in the set. decided is false when
// the cluster's CRD is the set's and the resource is not checked locally: then the usual
// dry-run is as good as after the apply.
//
// Otherwise it is checked against the CRD manifest, whatever the cluster has: a dry-run now
// would check it against the CRD the set is about to replace (a field the new CRD adds would
// be refused). ApplyAllStaged dry-runs it after applying the CRD; only the owner check, and
// without a Lookup the account's permission, need the cluster now.
func (m *Manager) validateSetKind(ctx context.Context, obj *unstructured.Unstructured, st *localState) (msg string, decided bool) {
	msg, covered := m.checkLocal(ctx, obj, st)
	switch {
	case covered && msg != "":
		return msg, true
	case covered && m.lookup != nil:
		return m.ownerCheck(ctx, obj), true
	case !covered && m.clusterHasSetCRD(ctx, st, obj.GroupVersionKind()):
		return "", false
	}
	if msg := m.ownerCheck(ctx, obj); msg != "" {
		return msg, true
	}
	// Without a Lookup (impersonated applies among others), or not checked locally (CEL
	// rules, webhooks), the dry-run still answers whether the account may write the object;
	// only that answer is taken from it.
	return m.permissionCheck(ctx, obj), true
}

// ownerCheck reports an owner conflict of obj with the object in the cluster, if any, without
// a dry-run (for custom resources checked against their CRD in the set).
func (m *Manager) ownerCheck(ctx context.Context, obj *unstructured.Unstructured) string {
	existing := &unstructured.Unstructured{}
	if m.lookup != nil {
		md, found, known := m.lookup.Metadata(obj.GroupVersionKind(), obj.GetNamespace(), obj.GetName())
		if known && !found {
			return ""
		}
		if known {
			existing.SetLabels(md.Labels)
			existing.SetAnnotations(md.Annotations)
			return m.ownerConflictUnlessExcluded(obj, existing)
		}
	}
	existing.SetGroupVersionKind(obj.GroupVersionKind())
	err := m.c.Get(ctx, client.ObjectKeyFromObject(obj), existing)
	switch {
	case err == nil:
		return m.ownerConflictUnlessExcluded(obj, existing)
	case apierrors.IsNotFound(err), apimeta.IsNoMatchError(err):
		return "" // not there yet (or its CRD is not): nothing to conflict with
	default:
		return fmt.Sprintf("%s: %v", ssautils.FmtUnstructured(obj), err)
	}
}

// permissionCheck dry-runs obj and reports only a refusal for lack of permission.
func (m *Manager) permissionCheck(ctx context.Context, obj *unstructured.Unstructured) string {
	dry := obj.DeepCopy()
	err := m.c.Patch(ctx, dry, client.Apply, client.DryRunAll, client.ForceOwnership, client.FieldOwner(ssaOwner.Field))
	if apierrors.IsForbidden(err) {
		return ssaerrors.NewDryRunErr(err, dry).Error()
	}
	return ""
}

func (m *Manager) ownerConflictUnlessExcluded(obj, existing *unstructured.Unstructured) string {
	if ssautils.AnyInMetadata(existing, exclusions) {
		return ""
	}
	return m.ownerConflict(obj, existing)
}

// ownerConflict reports an existing object that another Kustomization applied.
func (m *Manager) ownerConflict(obj, existing *unstructured.Unstructured) string {
	labels := existing.GetLabels()
	name, ns := labels[kustomizev1.NameLabel], labels[kustomizev1.NamespaceLabel]
	if name == "" && ns == "" {
		return ""
	}
	if name == m.owner.Name && ns == m.owner.Namespace {
		return ""
	}
	return fmt.Sprintf("%s is managed by Kustomization %s/%s; remove it from that Kustomization (or delete its %s and %s labels) before %s can apply it",
		ssautils.FmtUnstructured(obj), ns, name, kustomizev1.NameLabel, kustomizev1.NamespaceLabel, m.owner)
}

// provided returns the kinds defined by CRDs in the set and the namespaces the set creates.
func provided(objs []*unstructured.Unstructured) (map[schema.GroupKind]bool, map[string]bool) {
	kinds, namespaces := map[schema.GroupKind]bool{}, map[string]bool{}
	for _, o := range objs {
		switch {
		case o.GetKind() == "CustomResourceDefinition" && o.GroupVersionKind().Group == "apiextensions.k8s.io":
			group, _, _ := unstructured.NestedString(o.Object, "spec", "group")
			kind, _, _ := unstructured.NestedString(o.Object, "spec", "names", "kind")
			kinds[schema.GroupKind{Group: group, Kind: kind}] = true
		case o.GetKind() == "Namespace" && o.GroupVersionKind().Group == "":
			namespaces[o.GetName()] = true
		}
	}
	return kinds, namespaces
}

// isResourceGone reports a 404 that is not about the object but about its resource: the
// server answered without a Status, as it does for a path it does not serve. That is what a
// kind whose CRD was deleted gets: the REST mapper (controller-runtime's never forgets a kind
// it has seen) still maps it, so the request goes out and finds no handler. Taken for a
// missing object, the CRD in the set could never be re-applied: its custom resources' dry-run
// would fail the validation of every reconcile.
func isResourceGone(err error) bool {
	return apierrors.IsNotFound(err) && apierrors.HasStatusCause(err, metav1.CauseTypeUnexpectedServerResponse)
}

func isNamespaceNotFound(err error, namespaces map[string]bool) bool {
	var status apierrors.APIStatus
	if !apierrors.IsNotFound(err) || !errors.As(err, &status) {
		return false
	}
	d := status.Status().Details
	return d != nil && d.Kind == "namespaces" && namespaces[d.Name]
}
