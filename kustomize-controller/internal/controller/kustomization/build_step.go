package kustomization

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utiljson "k8s.io/apimachinery/pkg/util/json"

	kustomizev1 "github.com/eddy-gitops/eddy/api/kustomize/v1"
	"github.com/eddy-gitops/eddy/kustomize-controller/internal/build"
	"github.com/eddy-gitops/eddy/pkg/reconcile"
)

// buildCache remembers, per Kustomization, the validated objects of its last successful
// reconcile and the fingerprint of their inputs (internal/build's Plan fingerprint, which covers
// the artifact digest, the build spec, substitution variables and decryption keys, plus the
// generation, since apply-side fields such as force or serviceAccountName change validation).
// A reconcile whose inputs did not change skips build and validation and goes straight to apply,
// which still corrects drift. Builds that may fetch remote bases depend on content the
// fingerprint cannot see, so their entries expire after remoteBuildTTL.
//
// The objects are kept encoded, as one JSON array per Kustomization: a tree of maps and strings
// per object is a few dozen small allocations that outlive the burst of reconciles they were
// made in, each keeping a partly used page of the heap resident, and it takes about five
// times the bytes (BenchmarkBuildCache).
type buildCache struct {
	mu sync.Mutex
	m  map[string]cachedBuild
}

type cachedBuild struct {
	fingerprint string
	inputs      string      // the fingerprint without the artifact digest
	deps        *build.Deps // what the build observed of its artifact
	manifests   []byte      // the objects, as a JSON array (encodeObjects)
	summary     setSummary  // what a reconcile that applies nothing needs of them (remembered.go)
	expires     time.Time   // zero: never
}

// expired reports whether a build that may have used remote bases is too old to reuse.
func (c cachedBuild) expired() bool { return !c.expires.IsZero() && time.Now().After(c.expires) }

// remoteBuildTTL bounds how long a build that may use remote bases is reused.
const remoteBuildTTL = 10 * time.Minute

// cacheKey combines the build fingerprint with what validation depends on: the object (UID)
// and the fields of its spec that decide how the set is applied (applySpecKey).
func cacheKey(obj *kustomizev1.Kustomization, specKey, planFingerprint string) string {
	return planFingerprint + "|" + string(obj.UID) + "|" + specKey
}

// The objects stay encoded until the reconcile needs them (scope.objs): one that applies
// nothing does not decode them at all.
func (r *Reconciler) buildsLookup(obj *kustomizev1.Kustomization, key string) (*cachedBuild, bool) {
	r.builds.mu.Lock()
	defer r.builds.mu.Unlock()
	c, ok := r.builds.m[obj.Namespace+"/"+obj.Name]
	if !ok || c.fingerprint != key || c.expired() {
		return nil, false
	}
	return &c, true
}

// buildsLookupUnchanged serves a Kustomization whose artifact changed (a new commit) but whose
// inputs did not: the same spec, variables and keys, and every file the last build read is
// the same in the new artifact (build.Plan.Unchanged). A commit that touches one path of a
// repository shared by many Kustomizations rebuilds only those that read that path.
func (r *Reconciler) buildsLookupUnchanged(obj *kustomizev1.Kustomization, inputs string, plan *build.Plan) ([]*unstructured.Unstructured, *build.Deps, bool) {
	r.builds.mu.Lock()
	c, ok := r.builds.m[obj.Namespace+"/"+obj.Name]
	r.builds.mu.Unlock()
	if !ok || c.inputs != inputs || c.deps == nil || c.expired() {
		return nil, nil, false
	}
	if !plan.Unchanged(c.deps) {
		return nil, nil, false
	}
	objs, err := decodeObjects(c.manifests)
	return objs, c.deps, err == nil
}

// buildsRemember stores the objects of a successful reconcile.
func (r *Reconciler) buildsRemember(s *scope) {
	name := s.obj.Namespace + "/" + s.obj.Name
	r.builds.mu.Lock()
	defer r.builds.mu.Unlock()
	if r.builds.m == nil {
		r.builds.m = map[string]cachedBuild{}
	}
	if s.buildKey == "" || (s.objects == nil && s.remembered == nil) {
		delete(r.builds.m, name)
		return
	}
	if c, ok := r.builds.m[name]; ok && c.fingerprint == s.buildKey && s.validated {
		return // already cached; keep the expiry
	}
	if s.objects == nil {
		r.builds.m[name] = *s.remembered // served from the cache and never decoded: the same build
		return
	}
	manifests, err := encodeObjects(s.objects)
	if err != nil {
		delete(r.builds.m, name) // cannot happen with objects that were just applied; rebuild next time
		return
	}
	c := cachedBuild{fingerprint: s.buildKey, inputs: s.inputsKey, deps: s.deps, manifests: manifests,
		summary: summarize(s.objects)}
	if s.remoteBases {
		c.expires = time.Now().Add(remoteBuildTTL)
	}
	r.builds.m[name] = c
}

func (r *Reconciler) buildsForget(key string) {
	r.builds.mu.Lock()
	defer r.builds.mu.Unlock()
	delete(r.builds.m, key)
}

// encodeObjects writes objs as one JSON array.
func encodeObjects(objs []*unstructured.Unstructured) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('[')
	for i, o := range objs {
		if i > 0 {
			buf.WriteByte(',')
		}
		b, err := json.Marshal(o.Object)
		if err != nil {
			return nil, err
		}
		buf.Write(b)
	}
	buf.WriteByte(']')
	return bytes.Clone(buf.Bytes()), nil // exactly sized: the cache keeps it
}

// decodeObjects reads what encodeObjects wrote into new objects, with integers as int64 (as
// the build hands them over).
func decodeObjects(data []byte) ([]*unstructured.Unstructured, error) {
	var items []any
	if err := utiljson.Unmarshal(data, &items); err != nil {
		return nil, err
	}
	out := make([]*unstructured.Unstructured, len(items))
	for i, it := range items {
		m, ok := it.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("build cache: item %d is not an object", i)
		}
		out[i] = &unstructured.Unstructured{Object: m}
	}
	return out, nil
}

// reconcileBuild produces the objects to apply. The artifact is fetched (from the shared
// cache when another Kustomization already extracted it), the build's cluster inputs are
// resolved, and the build runs only when its fingerprint differs from the last success.
func (r *Reconciler) reconcileBuild(ctx context.Context, s *scope) error {
	obj := s.obj
	root, release, err := r.fetch(ctx, s)
	if err != nil {
		return err
	}
	defer release()
	keys, err := r.decryptionKeys(ctx, obj.Spec.Decryption != nil)
	if err != nil {
		return retry(obj, kustomizev1.BuildFailedReason, err)
	}
	plan, err := r.Plan(ctx, build.Input{Root: root, Kustomization: obj, Reader: r.APIReader,
		NoRemoteBases: r.NoRemoteBases, DecryptionKeys: keys})
	if err != nil {
		return buildError(obj, err)
	}
	s.buildKey = cacheKey(obj, s.specKey(), plan.Fingerprint(s.artifact.Digest))
	s.inputsKey = cacheKey(obj, s.specKey(), plan.Fingerprint(""))
	s.remoteBases = plan.RemoteBasesAllowed()
	if c, ok := r.buildsLookup(obj, s.buildKey); ok {
		s.remembered, s.validated = c, true
		buildsTotal.WithLabelValues("cached").Inc()
		return nil
	}
	if objs, deps, ok := r.buildsLookupUnchanged(obj, s.inputsKey, plan); ok {
		s.objects, s.validated, s.deps = objs, true, deps
		buildsTotal.WithLabelValues("cached").Inc()
		return nil
	}
	s.working = true
	r.progress(ctx, s, "Building manifests for revision %s with a timeout of %s", s.revision, obj.GetTimeout())
	buildsTotal.WithLabelValues("built").Inc()
	objs, err := plan.Build(ctx)
	if err != nil {
		return buildError(obj, err)
	}
	s.deps = plan.Deps()
	// internal/build hands over objects holding JSON types only (int64, float64, ...), which
	// DeepCopy and apply need.
	s.objects = objs
	return nil
}

// buildError keeps the reason of a build error; anything but a Stalling error is retried after
// spec.retryInterval.
func buildError(obj *kustomizev1.Kustomization, err error) error {
	var stall *reconcile.Stalling
	if errors.As(err, &stall) {
		return err
	}
	reason := reconcile.ReasonOf(err)
	if reason == "" || reason == "Failed" {
		reason = kustomizev1.BuildFailedReason
	}
	return retry(obj, reason, fmt.Errorf("%w", err))
}
