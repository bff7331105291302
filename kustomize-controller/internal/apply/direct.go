package apply

import (
	"context"
	"fmt"
	"sync"

	"github.com/fluxcd/cli-utils/pkg/object"
	"github.com/fluxcd/pkg/ssa"
	ssautils "github.com/fluxcd/pkg/ssa/utils"
	"golang.org/x/sync/errgroup"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	kustomizev1 "github.com/eddy-gitops/eddy/api/kustomize/v1"
)

// This file is the one-request apply. fluxcd/pkg/ssa reads every object before applying it
// (to skip excluded objects, clean up other field managers, recreate immutable objects) and
// dry-runs it (to tell unchanged from configured): three requests per object. When Validate
// has just dry-run an object and the result shows that none of that is needed, or when the
// informers show as much for an object of a set validated by an earlier reconcile
// (cachedDirect), one apply request is enough.

// directInfo is what a successful validation dry-run, or the Lookup, showed about an object.
type directInfo struct {
	resourceVersion string // "" when the object does not exist
	// unverified: validated locally, not dry-run; the object may exist without owner labels,
	// which the apply's answer shows (managers other than ours).
	unverified bool
	// fromCache: neither dry-run nor validated in this reconcile (cachedDirect); if the apply
	// fails, the staged apply takes the object over, with its dry-run, recreation and messages.
	fromCache bool
}

// noteDryRun records an object that can be applied directly: the dry-run succeeded, neither
// the manifest nor the object in the cluster uses a per-object apply policy, and the staged
// apply's metadata cleanup would find nothing to do (needsCleanup). Other field managers do
// not stand in the way: a controller writing the status, or an autoscaler owning the replicas,
// is left alone by the staged apply as well, and the apply forces ownership of our fields
// either way.
func (m *Manager) noteDryRun(obj, existing *unstructured.Unstructured, result metav1.Object) {
	if m.lookup == nil || hasPolicy(obj) || (existing != nil && hasPolicy(existing)) || hasPolicy(result) ||
		m.needsCleanup(result) {
		return
	}
	m.direct.Store(obj, directInfo{resourceVersion: resourceVersionOf(existing, result)})
}

// needsCleanup reports whether the staged apply would patch o's metadata before applying it:
// kubectl's last-applied annotation, or field manager entries of kubectl, before-first-apply or
// an --override-manager, which it hands over to our manager. The same fluxcd/pkg/ssa functions
// decide it, so the two paths cannot disagree.
func (m *Manager) needsCleanup(o metav1.Object) bool {
	u := &unstructured.Unstructured{Object: map[string]any{}}
	u.SetAnnotations(o.GetAnnotations())
	u.SetManagedFields(o.GetManagedFields())
	c := m.opts.cleanup()
	return len(ssa.PatchRemoveAnnotations(u, c.Annotations)) > 0 || len(ssa.PatchRemoveFieldsManagers(u, c.FieldManagers)) > 0
}

// resourceVersionOf is the version of the object before the apply ("" if it did not exist).
func resourceVersionOf(existing *unstructured.Unstructured, result metav1.Object) string {
	if existing != nil && existing.GetResourceVersion() != "" {
		return existing.GetResourceVersion()
	}
	return result.GetResourceVersion()
}

// hasPolicy reports a per-object policy that the ssa apply must handle (ssa: Merge,
// IfNotPresent or Ignore, force: enabled, reconcile: disabled), set as an annotation or, as
// fluxcd/pkg/ssa's selectors also accept, as a label.
func hasPolicy(o metav1.Object) bool {
	labels, ann := o.GetLabels(), o.GetAnnotations()
	for _, k := range policyAnnotations {
		if _, ok := ann[k]; ok {
			return true
		}
		if _, ok := labels[k]; ok {
			return true
		}
	}
	return false
}

// splitDirect separates the objects that can be applied with one request each: noted by
// Validate, or by the Lookup when Validate did not run (cachedDirect), in the last apply stage
// (CRDs, Namespaces, classes and custom stages keep ssa's staged apply with its waits), with
// neither spec.force nor spec.ignore in play.
func (m *Manager) splitDirect(objs []*unstructured.Unstructured, force, ignore bool) (direct []*unstructured.Unstructured, info []directInfo, rest []*unstructured.Unstructured) {
	for _, o := range objs {
		var d directInfo
		v, ok := m.direct.Load(o)
		if ok {
			d = v.(directInfo)
		} else if !m.validated {
			d, ok = m.cachedDirect(o)
			d.fromCache = true
		}
		if !ok || force || ignore || !m.lastStage(o) {
			rest = append(rest, o)
			continue
		}
		direct = append(direct, o)
		info = append(info, d)
	}
	return direct, info, rest
}

// lastStage reports whether o is applied in ssa's last stage: not a CRD, Namespace, class or
// --custom-apply-stage-kinds object, which keep the staged apply with its waits.
func (m *Manager) lastStage(o *unstructured.Unstructured) bool {
	return !ssautils.IsClusterDefinition(o) && !ssautils.IsClassDefinition(o) && !ssautils.IsCustomStage(o, m.opts.CustomStageKinds)
}

// ValidatedByApply reports whether objs, what a reconcile is about to write, can skip Validate
// because their apply validates them as well, and if so prepares Apply to send them with one
// request. That holds for a single object (the usual image update) that the informers show as
// ours and plain (cachedDirect), outside spec.force and spec.ignore. Validate dry-runs a set so
// that one bad object stops the reconcile before any other is written; with one object there is
// no other, and its apply is refused by the same checks (schema, admission, the account's
// rights) with nothing written. When Apply then fails, the caller runs Validate to report the
// refusal as a validation failure, in the words it always has.
func (m *Manager) ValidatedByApply(objs []*unstructured.Unstructured, force bool, ignore []kustomizev1.IgnoreRule) bool {
	if len(objs) != 1 || force || len(ignore) > 0 || m.validated {
		return false
	}
	// cachedDirect refuses any per-object policy, the exclusions (reconcile: disabled, ssa:
	// Ignore) included.
	o := objs[0]
	if !m.lastStage(o) {
		return false
	}
	d, ok := m.cachedDirect(o)
	if !ok {
		return false
	}
	// Stored as a dry-run's note, not fromCache: a failed apply is reported as it is, and the
	// caller validates.
	m.direct.Store(o, d)
	return true
}

// cachedDirect decides from the Lookup alone whether an object of a set validated by an earlier
// reconcile (the build did not change; typically a drift correction) can be applied with one
// request: the informers hold it with our owner labels, no per-object policy, no kubectl
// last-applied annotation and no field of a takeover manager, which is all the staged apply's
// read and cleanup look for. What its dry-run would add is the unchanged check (the object
// is applied because it changed) and the validation of a set that was valid; should the apply
// fail all the same, applyDirect hands the object to the staged apply.
func (m *Manager) cachedDirect(o *unstructured.Unstructured) (directInfo, bool) {
	if m.lookup == nil || hasPolicy(o) {
		return directInfo{}, false
	}
	md, found, known := m.lookup.Metadata(o.GroupVersionKind(), o.GetNamespace(), o.GetName())
	// The informers keep no managedFields, only what NothingToTakeOver reads; needsCleanup
	// checks the annotations the staged apply would remove.
	if !found || !known || hasPolicy(md) || !m.lookup.NothingToTakeOver(md) || m.needsCleanup(md) {
		return directInfo{}, false
	}
	if md.Labels[kustomizev1.NameLabel] != m.owner.Name || md.Labels[kustomizev1.NamespaceLabel] != m.owner.Namespace {
		return directInfo{}, false
	}
	return directInfo{resourceVersion: md.ResourceVersion}, true
}

// applyDirect applies objs concurrently (bounded by --concurrent-ssa), one request each.
func (m *Manager) applyDirect(ctx context.Context, objs []*unstructured.Unstructured, info []directInfo, opts ssa.ApplyOptions) (*ssa.ChangeSet, error) {
	entries := make([]*ssa.ChangeSetEntry, len(objs))
	var mu sync.Mutex
	var firstErr error
	fail := func(err error) {
		mu.Lock()
		if firstErr == nil {
			firstErr = err
		}
		mu.Unlock()
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(m.opts.Concurrency)
	for i, o := range objs {
		g.Go(func() error {
			applied, err := m.applyOne(gctx, o)
			if err != nil && info[i].fromCache {
				// As if the shortcut had not been taken: the staged apply dry-runs the object,
				// recreates it if spec.force allows, and words the failure as it always does.
				entry, err := m.rm.Apply(gctx, o, opts)
				if err != nil {
					fail(err)
				}
				entries[i] = entry
				return nil
			}
			if err != nil {
				fail(fmt.Errorf("%s apply failed: %w", ssautils.FmtUnstructured(o), err))
				return nil
			}
			action := ssa.UnchangedAction
			switch {
			case info[i].unverified && foreignManagers(applied):
				// It existed without our labels: let ssa clean up the other field managers
				// as on any takeover (a few more requests, only for such objects).
				action = ssa.ConfiguredAction
				if _, err := m.rm.Apply(gctx, o, opts); err != nil {
					fail(err)
				}
			case info[i].resourceVersion == "":
				action = ssa.CreatedAction
			case applied.GetResourceVersion() != info[i].resourceVersion:
				action = ssa.ConfiguredAction
			}
			entries[i] = &ssa.ChangeSetEntry{ObjMetadata: object.UnstructuredToObjMetadata(o),
				GroupVersion: o.GroupVersionKind().Version, Subject: ssautils.FmtUnstructured(o), Action: action}
			return nil
		})
	}
	_ = g.Wait()
	cs := ssa.NewChangeSet()
	for _, e := range entries {
		if e != nil {
			cs.Add(*e)
		}
	}
	return cs, firstErr
}

// applyOne server-side applies o and returns the metadata of the result, all that applyDirect
// needs of it.
func (m *Manager) applyOne(ctx context.Context, o *unstructured.Unstructured) (*metav1.PartialObjectMetadata, error) {
	return m.applyForMetadata(ctx, o)
}

// dryRunOne dry-runs the apply of o and returns the metadata of the result, all that Validate
// needs of it (resourceVersion, field managers).
func (m *Manager) dryRunOne(ctx context.Context, o *unstructured.Unstructured) (*metav1.PartialObjectMetadata, error) {
	return m.applyForMetadata(ctx, o, client.DryRunAll)
}

// applyForMetadata server-side applies o as our field owner and reads back the metadata alone.
// Through the metadata client the answer comes as PartialObjectMetadata (protobuf where served):
// the API server encodes, and the controller decodes, the metadata rather than the whole object,
// for each of thousands of objects.
func (m *Manager) applyForMetadata(ctx context.Context, o *unstructured.Unstructured, opts ...client.PatchOption) (*metav1.PartialObjectMetadata, error) {
	body, err := o.MarshalJSON()
	if err != nil {
		return nil, err
	}
	opts = append(opts, client.ForceOwnership, client.FieldOwner(ssaOwner.Field))
	applied := &metav1.PartialObjectMetadata{}
	applied.SetGroupVersionKind(o.GroupVersionKind())
	applied.SetNamespace(o.GetNamespace())
	applied.SetName(o.GetName())
	patch := client.RawPatch(types.ApplyPatchType, body)
	err = m.c.Patch(ctx, applied, patch, opts...)
	if !apierrors.IsNotAcceptable(err) {
		return applied, err
	}
	// An aggregated API server that cannot answer as PartialObjectMetadata refuses the request
	// before applying it: apply again, reading back the whole object.
	full := &unstructured.Unstructured{}
	full.SetGroupVersionKind(o.GroupVersionKind())
	full.SetNamespace(o.GetNamespace())
	full.SetName(o.GetName())
	if err := m.c.Patch(ctx, full, patch, opts...); err != nil {
		return nil, err
	}
	applied.ObjectMeta = metav1.ObjectMeta{Namespace: full.GetNamespace(), Name: full.GetName(),
		ResourceVersion: full.GetResourceVersion(), ManagedFields: full.GetManagedFields()}
	return applied, nil
}

// foreignManagers reports field managers other than our apply on an applied object.
func foreignManagers(o metav1.Object) bool {
	for _, e := range o.GetManagedFields() {
		if e.Manager != ssaOwner.Field || e.Operation != metav1.ManagedFieldsOperationApply {
			return true
		}
	}
	return false
}
