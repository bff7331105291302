// Package kustomization is the Kustomization reconciler: it fetches the source artifact,
// builds it (internal/build), validates and server-side-applies the result (internal/apply),
// records status.inventory (internal/inventory), prunes what left the set, checks health
// (internal/health) and orders Kustomizations by spec.dependsOn.
//
// Status follows pkg/reconcile: steps return Stalling (only a spec change helps, e.g. a denied
// cross-namespace reference), Waiting (retry after spec.retryInterval or --requeue-dependency)
// errors carrying Flux's reasons, and one deferred Finish derives Ready, Reconciling and Stalled
// and patches the status once. Progress messages are patched only while a reconcile does real
// work (a new revision, a spec change or a failure being retried), so that a steady-state
// reconcile writes nothing.
//
// Applies go to the cluster of the Kustomization (clients.go): the local one, impersonating
// spec.serviceAccountName or --default-service-account, or a remote one from
// spec.kubeConfig.secretRef.
package kustomization
