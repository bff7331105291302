// Package kustomization is the Kustomization reconciler: it fetches the source artifact,
// builds it (internal/build), validates and server-side-applies the result (internal/apply),
// records status.inventory (internal/inventory), prunes what left the set, checks health
// (internal/health) and orders Kustomizations by spec.dependsOn.
//
// Status follows pkg/reconcile: steps return Stalling (only a spec change helps, e.g. a denied
// cross-namespace reference), Waiting (retry after spec.retryInterval or --requeue-dependency)
// errors carrying Flux's reasons, and one deferred Finish derives Ready, Reconciling and Stalled
// and patches the status once. Progress is patched at most once per reconcile and only while a
// reconcile does real work (a new revision, a spec change or a failure being retried), so that a
// steady-state reconcile writes nothing.
//
// The cost of a reconcile is bounded by what changed (fast.go, ledger.go, health_step.go): the
// ledger remembers a hash per applied manifest, the shared metadata informers (internal/watch)
// mark objects someone else changed, and only changed or drifted objects are sent to the API
// server; spec.driftDetection.mode chooses between correcting drift, reporting it (Drifted
// condition, DriftDetected event) or ignoring it. Health is read once per object and re-read
// when the watch reports a change; a pending health check ends the reconcile (Ready=Unknown,
// Reconciling=True) instead of holding a worker.
//
// Applies go to the cluster of the Kustomization (clients.go): the local one, impersonating
// spec.serviceAccountName or --default-service-account, or a remote one from
// spec.kubeConfig.secretRef. Remote clusters are not watched: they are applied and health-polled
// in full, as in Flux.
package kustomization
