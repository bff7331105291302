package kustomization

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	kustomizev1 "github.com/eddy-gitops/eddy/api/kustomize/v1"
	"github.com/eddy-gitops/eddy/kustomize-controller/internal/inventory"
)

// A build served from the build cache stays encoded until a step needs the objects themselves
// (scope.objs). A reconcile of an unchanged set needs only what setSummary keeps: the kinds, to
// make sure their informers run, and which inventory the set makes, to know that the status
// already lists it. For 1,000 ConfigMaps that leaves out a decode, the owner labels and a
// re-derived inventory: most of the reconcile's own CPU (BenchmarkNoopReconcile).

// setSummary is what a reconcile that applies nothing needs of a remembered set.
type setSummary struct {
	kinds     []schema.GroupVersionKind // gvksOf the set
	inventory string                    // inventoryDigest of inventory.FromObjects of the set
}

func summarize(objs []*unstructured.Unstructured) setSummary {
	return setSummary{kinds: gvksOf(objs), inventory: inventoryDigest(inventory.FromObjects(objs))}
}

// inventoryDigest identifies an inventory: its entries, in order. "" for none.
func inventoryDigest(inv *kustomizev1.ResourceInventory) string {
	if inv == nil {
		return ""
	}
	h := sha256.New()
	var line []byte // one buffer for every entry: writing strings to the hash would copy each
	for _, e := range inv.Entries {
		// Neither an id nor a version contains a NUL or a newline.
		line = append(append(append(append(line[:0], e.ID...), 0), e.Version...), '\n')
		h.Write(line)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// objs returns the desired set, decoding a remembered build on first use. Remembered objects
// were stored after the apply that set their owner labels; the labels are set again all the
// same, since what is applied must carry them.
func (s *scope) objs() ([]*unstructured.Unstructured, error) {
	if s.objects != nil || s.remembered == nil {
		return s.objects, nil
	}
	objs, err := decodeObjects(s.remembered.manifests)
	if err != nil {
		return nil, retry(s.obj, kustomizev1.BuildFailedReason, fmt.Errorf("reading the remembered build: %w", err))
	}
	if s.applier != nil {
		s.applier.SetOwnerLabels(objs)
	}
	s.objects = objs
	return objs, nil
}

// kinds lists the kinds of the desired set without decoding a remembered build.
func (s *scope) kinds() []schema.GroupVersionKind {
	if s.objects == nil && s.remembered != nil {
		return s.remembered.summary.kinds
	}
	return gvksOf(s.objects)
}

// inventoryUnchanged reports whether the status already lists the inventory of a remembered
// set that was not decoded.
func (s *scope) inventoryUnchanged() bool {
	return s.objects == nil && s.remembered != nil &&
		inventoryDigest(s.obj.Status.Inventory) == s.remembered.summary.inventory
}
