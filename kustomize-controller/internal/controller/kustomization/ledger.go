package kustomization

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sort"
	"strings"
	"sync"

	"github.com/fluxcd/cli-utils/pkg/object"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"

	kustomizev1 "github.com/eddy-gitops/eddy/api/kustomize/v1"
)

// perOwner holds one value per Kustomization: its ledger entry, its health wait. Values are
// keyed by namespace and name and hold for one UID, so that a Kustomization deleted and recreated
// under the same name starts afresh, and forgetting an owner is one delete, whatever its UID.
type perOwner[V any] struct {
	mu sync.Mutex
	m  map[types.NamespacedName]owned[V]
}

type owned[V any] struct {
	uid types.UID
	v   V
}

// get returns the value kept for obj, or the zero value when there is none for its UID.
func (p *perOwner[V]) get(obj *kustomizev1.Kustomization) V {
	p.mu.Lock()
	defer p.mu.Unlock()
	if e, ok := p.m[ownerKey(obj)]; ok && e.uid == obj.UID {
		return e.v
	}
	var zero V
	return zero
}

func (p *perOwner[V]) put(obj *kustomizev1.Kustomization, v V) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.m == nil {
		p.m = map[types.NamespacedName]owned[V]{}
	}
	p.m[ownerKey(obj)] = owned[V]{uid: obj.UID, v: v}
}

// drop forgets the value kept for the Kustomization at key.
func (p *perOwner[V]) drop(key types.NamespacedName) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.m, key)
}

// The ledger remembers, per Kustomization (perOwner[*applied]), what its last successful apply
// left in the cluster: a hash per object of the manifest it applied. With the drift marks of the
// shared informers (internal/watch) it tells which objects need a request at all: those whose
// manifest changed, and those someone else changed since. It lives in memory: after a restart
// the first reconcile of each Kustomization applies its whole set, as before.
type applied struct {
	buildKey string            // build fingerprint of the applied set
	spec     string            // applySpecKey of the spec the set was applied with
	hashes   map[string]string // object id -> hash of the applied manifest
	drifted  map[string]bool   // objects reported (warn mode) and not re-applied yet
}

// objectID is the inventory id of an object.
func objectID(u *unstructured.Unstructured) string {
	return object.UnstructuredToObjMetadata(u).String()
}

// manifestHash identifies a desired manifest.
func manifestHash(u *unstructured.Unstructured) string {
	h, ok := jsonDigest(u.Object)
	if !ok {
		return "" // never equal to a recorded hash: the object is applied
	}
	return h
}

// jsonDigest is a short digest (128 bits of SHA-256, in hex) of v's JSON encoding; encoding/json
// sorts map keys, so equal values digest equally. ok is false when v cannot be encoded.
func jsonDigest(v any) (digest string, ok bool) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", false
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16]), true
}

// hashAll hashes the desired set.
func hashAll(objs []*unstructured.Unstructured) map[string]string {
	out := make(map[string]string, len(objs))
	for _, o := range objs {
		out[objectID(o)] = manifestHash(o)
	}
	return out
}

// applyPlan is what one reconcile sends to the cluster.
type applyPlan struct {
	apply    []*unstructured.Unstructured // objects to apply (changed, new, or drifted)
	drifted  []string                     // ids of drifted objects left alone (warn mode)
	complete bool                         // the whole set is applied
	// listed: nothing to apply and the status already lists the set's inventory, decided
	// without decoding a remembered build (remembered.go)
	listed bool
}

// planApply selects the objects to apply. Without a trusted record (first reconcile, informers
// not synced, remote cluster) it is the whole set. Otherwise it is the objects whose manifest
// changed since the last apply, plus, by mode:
//   - enabled: the drifted ones (corrected);
//   - warn: none of the drifted ones, which are reported instead; objects reported earlier are
//     applied again when the manifests change (new revision or spec);
//   - disabled: drift is ignored.
func planApply(objs []*unstructured.Unstructured, desired map[string]string, prev *applied,
	drift map[string]bool, mode string, manifestsChanged bool) applyPlan {
	if prev == nil {
		return applyPlan{apply: objs, complete: true}
	}
	var p applyPlan
	for _, o := range objs {
		id := objectID(o)
		switch {
		case prev.hashes[id] != desired[id]:
			p.apply = append(p.apply, o)
		case drift[id] && mode == "enabled":
			p.apply = append(p.apply, o)
		case drift[id] && mode == "warn":
			p.drifted = append(p.drifted, id)
		case prev.drifted[id] && manifestsChanged:
			p.apply = append(p.apply, o)
		case prev.drifted[id]:
			p.drifted = append(p.drifted, id)
		}
	}
	sort.Strings(p.drifted)
	p.drifted = dedupe(p.drifted)
	p.complete = len(p.apply) == len(objs)
	return p
}

func dedupe(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// gvksOf lists the kinds of a set, for the informers.
func gvksOf(objs []*unstructured.Unstructured) []schema.GroupVersionKind {
	seen := map[schema.GroupVersionKind]bool{}
	var out []schema.GroupVersionKind
	for _, o := range objs {
		gvk := o.GroupVersionKind()
		if !seen[gvk] {
			seen[gvk] = true
			out = append(out, gvk)
		}
	}
	return out
}

// driftMessage is the Drifted condition and event message.
func driftMessage(ids []string) string {
	const max = 20
	shown := ids
	if len(shown) > max {
		shown = shown[:max]
	}
	subjects := make([]string, 0, len(shown))
	for _, id := range shown {
		subjects = append(subjects, subjectOfID(id))
	}
	msg := "Drift detected, not corrected (driftDetection.mode: warn): " + strings.Join(subjects, ", ")
	if len(ids) > max {
		msg += ", ..."
	}
	return msg
}

// subjectOfID renders an inventory id as Kind/namespace/name.
func subjectOfID(id string) string {
	m, err := object.ParseObjMetadata(id)
	if err != nil {
		return id
	}
	if m.Namespace == "" {
		return m.GroupKind.Kind + "/" + m.Name
	}
	return m.GroupKind.Kind + "/" + m.Namespace + "/" + m.Name
}
