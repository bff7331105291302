package kustomization

import (
	"context"
	"time"

	"github.com/fluxcd/pkg/runtime/conditions"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/types"

	kustomizev1 "github.com/eddy-gitops/eddy/api/kustomize/v1"
)

// This file connects the reconciler to the shared informers (internal/watch) and the ledger:
// together they decide which objects a reconcile must send to the API server.

// watchSyncTimeout bounds the wait for new informers in a reconcile; after it, the reconcile
// applies everything without trusting the watch, as if there were none.
const watchSyncTimeout = 10 * time.Second

// watchFollowUpAfter is when a Kustomization whose new kinds could not be watched before its
// apply is reconciled again to start watching them.
const watchFollowUpAfter = 2 * time.Second

func ownerKey(obj *kustomizev1.Kustomization) types.NamespacedName {
	return types.NamespacedName{Namespace: obj.Namespace, Name: obj.Name}
}

// planApply decides what to apply. The drift marks are taken from the watch here; a reconcile
// that fails puts them back (forget) so that a later attempt corrects them.
func (r *Reconciler) planApply(ctx context.Context, s *scope) (applyPlan, error) {
	obj := s.obj
	// Only the local cluster is watched: objects in a remote cluster (spec.kubeConfig) are
	// applied in full on every reconcile, as Flux does.
	if r.Watch == nil || obj.Spec.KubeConfig != nil {
		objs, err := s.objs()
		return applyPlan{apply: objs, complete: true}, err
	}
	mode := obj.GetDriftDetectionMode()
	s.drift = r.Watch.TakeDrift(ownerKey(obj))
	gvks := s.kinds()
	synced, err := r.Watch.Ensure(gvks)
	switch {
	case err != nil:
		// Unwatchable kind (e.g. no RESTMapping yet for a CRD applied in this very set): fall
		// back to a full apply, which reports any real problem. When the kind was merely not
		// served yet, reconcile again shortly, once the apply made it exist, so that its objects
		// are watched for drift from then on rather than from the next interval.
		synced = false
		s.watchFollowUp = apimeta.IsNoMatchError(err)
	case !synced:
		// New kinds: one list each, worth waiting for, so that this apply is already trusted.
		synced = r.Watch.WaitForSync(ctx, gvks, watchSyncTimeout)
	}
	last := r.ledger.get(obj)
	sameBuild := last != nil && last.buildKey == s.buildKey && s.buildKey != ""
	prev := last
	// Without informers that had synced before this apply, a missing drift mark proves
	// nothing (a change made between our apply and their first list would go unseen): apply
	// everything and do not record the result as trusted.
	s.trusted = synced || mode == kustomizev1.DriftDetectionDisabled
	if !s.trusted {
		prev = nil
	}
	if prev != nil && prev.spec != s.specKey() {
		// A change of the spec's apply-side fields (service account, force, ignore rules, ...)
		// can change how every object applies: validate and apply the whole set once, as Flux
		// does. Scheduling, health and pruning fields do not count (applySpecKey).
		prev = nil
	}
	if sameBuild && prev != nil && len(s.drift) == 0 && len(prev.drifted) == 0 && s.inventoryUnchanged() {
		// The set applied last time, nothing drifted since, and the status lists it: what
		// planApply would find, without decoding the remembered build (remembered.go).
		s.hashes = prev.hashes
		return applyPlan{listed: true}, nil
	}
	objs, err := s.objs()
	if err != nil {
		return applyPlan{}, err
	}
	if sameBuild {
		s.hashes = last.hashes // same build: same manifests, no need to hash them again
	} else {
		s.hashes = hashAll(objs)
	}
	manifestsChanged := prev == nil || prev.buildKey != s.buildKey
	return planApply(objs, s.hashes, prev, s.drift, mode, manifestsChanged), nil
}

// reportDrift sets or clears the Drifted condition (warn mode) and emits a Warning event when
// new drift is seen.
func (r *Reconciler) reportDrift(s *scope, drifted []string) {
	obj := s.obj
	s.reported = drifted
	if len(drifted) == 0 {
		conditions.Delete(obj, kustomizev1.DriftedCondition)
		return
	}
	msg := driftMessage(drifted)
	fresh := false // an event only for drift seen since the last reconcile, not for old reports
	for _, id := range drifted {
		if s.drift[id] {
			fresh = true
			break
		}
	}
	conditions.MarkTrue(obj, kustomizev1.DriftedCondition, kustomizev1.DriftDetectedReason, "%s", msg)
	if fresh {
		r.event(obj, s.revision, s.origin, eventError, kustomizev1.DriftDetectedReason, msg, nil)
	}
}

// remember records a successful reconcile in the ledger. Without the watch (remote clusters)
// there is nothing to remember.
func (r *Reconciler) remember(s *scope) {
	if r.Watch == nil || s.obj.Spec.KubeConfig != nil || s.hashes == nil || !s.trusted {
		r.ledger.drop(ownerKey(s.obj))
		return
	}
	drifted := make(map[string]bool, len(s.reported))
	for _, id := range s.reported {
		drifted[id] = true
	}
	r.ledger.put(s.obj, &applied{buildKey: s.buildKey, spec: s.specKey(), hashes: s.hashes, drifted: drifted})
}

// forget drops the ledger entry after a failure, so that the next reconcile applies the whole
// set, and puts back the drift marks that were not corrected.
func (r *Reconciler) forget(s *scope) {
	r.ledger.drop(ownerKey(s.obj))
	if r.Watch != nil && len(s.drift) > 0 {
		r.Watch.RestoreDrift(ownerKey(s.obj), s.drift)
	}
}
