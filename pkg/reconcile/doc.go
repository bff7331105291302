// Package reconcile is the one status idiom shared by Eddy's four controllers.
//
// A reconciler's steps return typed errors that carry a Flux reason: Stalling (only a spec change
// can help: Stalled=True, no retry), Waiting (a dependency is not ready yet: retry after a set
// delay) or Generic (transient: retry with the workqueue's backoff). Steps set and clear only
// their own negative-polarity conditions (FetchFailed, BuildFailed, ...) and never touch Ready.
// The reconciler defers Finish, which derives Ready, Reconciling and Stalled from the error and
// the kind's condition table in a kstatus-correct way, records lastHandledReconcileAt and
// observedGeneration, writes the object through the Patcher, emits a Warning event for a failure
// and maps the outcome to a controller-runtime result.
//
// Patcher (patcher.go) is the only way the reconcilers write their own objects: it remembers the
// object as read, and each Patch sends at most one metadata request (finalizers, labels,
// annotations) and at most one status request with every status change together, or nothing when
// nothing changed. Readers never see a half-written status, and a reconcile costs as few writes
// as possible (issue 7).
//
// Written (written.go) remembers the resourceVersion of each object's last write until the
// informer has delivered it, so that a reconcile started from an older cached copy can step aside
// instead of writing the same outcome again.
//
// ProgressDue (progress.go) is the rule for writing progress ahead of the outcome: only once a
// reconcile has run for a while (a second by default), so that a quick one costs one write.
//
// It builds on fluxcd/pkg/runtime's conditions package and controller-runtime's client.
package reconcile
