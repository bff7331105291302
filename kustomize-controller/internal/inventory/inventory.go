package inventory

import (
	"fmt"
	"sort"

	"github.com/fluxcd/cli-utils/pkg/object"
	"github.com/fluxcd/pkg/ssa"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	kustomizev1 "github.com/eddy-gitops/eddy/api/kustomize/v1"
)

// FromChangeSet records every object of an apply change set, skipped ones included: an object
// the controller stopped applying (reconcile: disabled) is still part of the set, so it must not
// look "removed" to the next prune. Entries are sorted by id so that the status does not change
// when only the apply order did.
func FromChangeSet(cs *ssa.ChangeSet) *kustomizev1.ResourceInventory {
	inv := &kustomizev1.ResourceInventory{Entries: []kustomizev1.ResourceRef{}}
	if cs == nil {
		return inv
	}
	seen := map[string]bool{}
	for _, e := range cs.Entries {
		id := e.ObjMetadata.String()
		if seen[id] {
			continue
		}
		seen[id] = true
		inv.Entries = append(inv.Entries, kustomizev1.ResourceRef{ID: id, Version: e.GroupVersion})
	}
	sort.Slice(inv.Entries, func(i, j int) bool { return inv.Entries[i].ID < inv.Entries[j].ID })
	return inv
}

// FromObjects records a set of objects (e.g. the built manifests) as an inventory.
func FromObjects(objs []*unstructured.Unstructured) *kustomizev1.ResourceInventory {
	cs := ssa.NewChangeSet()
	for _, o := range objs {
		cs.Add(ssa.ChangeSetEntry{ObjMetadata: object.UnstructuredToObjMetadata(o), GroupVersion: o.GroupVersionKind().Version})
	}
	return FromChangeSet(cs)
}

// Objects returns one unstructured stub (apiVersion, kind, namespace, name) per inventory entry,
// enough to get or delete the object.
func Objects(inv *kustomizev1.ResourceInventory) ([]*unstructured.Unstructured, error) {
	if inv == nil {
		return nil, nil
	}
	objs := make([]*unstructured.Unstructured, 0, len(inv.Entries))
	for _, e := range inv.Entries {
		u, err := stub(e)
		if err != nil {
			return nil, err
		}
		objs = append(objs, u)
	}
	return objs, nil
}

// Diff returns the objects listed in old but not in current: the ones that left the set and
// are candidates for pruning. Entries are compared by id only, so a version change of a kind
// (apps/v1beta1 to apps/v1) is not mistaken for a removal.
func Diff(old, current *kustomizev1.ResourceInventory) ([]*unstructured.Unstructured, error) {
	if old == nil {
		return nil, nil
	}
	keep := map[string]bool{}
	if current != nil {
		for _, e := range current.Entries {
			keep[e.ID] = true
		}
	}
	var stale []*unstructured.Unstructured
	for _, e := range old.Entries {
		if keep[e.ID] {
			continue
		}
		u, err := stub(e)
		if err != nil {
			return nil, err
		}
		stale = append(stale, u)
	}
	return stale, nil
}

// MetadataSet returns the inventory as a cli-utils object set, the input of kstatus health checks.
func MetadataSet(inv *kustomizev1.ResourceInventory) (object.ObjMetadataSet, error) {
	if inv == nil {
		return nil, nil
	}
	set := make(object.ObjMetadataSet, 0, len(inv.Entries))
	for _, e := range inv.Entries {
		m, err := object.ParseObjMetadata(e.ID)
		if err != nil {
			return nil, fmt.Errorf("invalid inventory entry %q: %w", e.ID, err)
		}
		set = append(set, m)
	}
	return set, nil
}

func stub(e kustomizev1.ResourceRef) (*unstructured.Unstructured, error) {
	m, err := object.ParseObjMetadata(e.ID)
	if err != nil {
		return nil, fmt.Errorf("invalid inventory entry %q: %w", e.ID, err)
	}
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(schema.GroupVersionKind{Group: m.GroupKind.Group, Version: e.Version, Kind: m.GroupKind.Kind})
	u.SetNamespace(m.Namespace)
	u.SetName(m.Name)
	return u, nil
}
