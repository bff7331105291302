package kustomization

import (
	"errors"

	"github.com/fluxcd/pkg/runtime/conditions"

	kustomizev1 "github.com/eddy-gitops/eddy/api/kustomize/v1"
	"github.com/eddy-gitops/eddy/pkg/reconcile"
)

// This file holds the pure functions that compute status fields; status_test.go covers them.

// readyMessage is the Ready=True message, as in Flux.
func readyMessage(revision string) string {
	return "Applied revision: " + revision
}

// needsProgress reports whether the reconcile is expected to do real work before the source
// is even read: a spec change, or a previous attempt that did not end Ready.
func needsProgress(obj *kustomizev1.Kustomization) bool {
	return obj.Generation != obj.Status.ObservedGeneration || !conditions.IsReady(obj)
}

// recordHistory decides whether this reconcile adds to status.history. Flux updates the latest
// snapshot on every reconcile; Eddy records only reconciles that changed something (a new
// artifact, a changed cluster, a different outcome), so that a steady-state reconcile writes
// no status at all.
func recordHistory(obj *kustomizev1.Kustomization, s *scope, recErr error) bool {
	if s.artifact == nil {
		return false
	}
	latest := obj.Status.History.Latest()
	return latest == nil || s.changed || latest.Digest != s.artifact.Digest ||
		latest.LastReconciledStatus != historyStatus(recErr)
}

// historyStatus is the status recorded in a history snapshot: the Ready reason.
func historyStatus(recErr error) string {
	if recErr == nil {
		return kustomizev1.ReconciliationSucceededReason
	}
	return reconcile.ReasonOf(recErr)
}

// historyMetadata is the metadata of a history snapshot.
func historyMetadata(revision, origin string) map[string]string {
	md := map[string]string{"revision": revision}
	if origin != "" {
		md["originRevision"] = origin
	}
	return md
}

// truncate shortens an error message to what a condition may hold, keeping its type (and so
// its reason and retry policy).
func truncate(err error) error {
	if err == nil || len(err.Error()) <= kustomizev1.MaxConditionMessageLength {
		return err
	}
	short := errors.New(err.Error()[:kustomizev1.MaxConditionMessageLength-3] + "...")
	var (
		stall *reconcile.Stalling
		wait  *reconcile.Waiting
		gen   *reconcile.Generic
	)
	switch {
	case errors.As(err, &stall):
		return &reconcile.Stalling{Reason: stall.Reason, Err: short}
	case errors.As(err, &wait):
		return &reconcile.Waiting{Reason: wait.Reason, Err: short, RequeueAfter: wait.RequeueAfter}
	case errors.As(err, &gen):
		return &reconcile.Generic{Reason: gen.Reason, Err: short}
	}
	return short
}
