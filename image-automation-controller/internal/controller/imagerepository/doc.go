// Package imagerepository reconciles ImageRepository objects: it scans an image repository's tags
// at spec.interval and records a summary in the status (canonical name, tag count, checksum,
// the ten latest tags), while the full tag list goes to internal/tagstore for ImagePolicies.
//
// Requeue policy: a successful scan is repeated after the (jittered) interval. A reconcile that
// arrives earlier (controller restart, status update) does not rescan unless the spec changed,
// a reconcile was requested (reconcile.fluxcd.io/requestedAt), the last attempt failed, or the
// stored tag list is missing. Failures are retried with backoff; an unparseable image or
// exclusion pattern stalls the object until its spec changes.
//
// It owns no negative-polarity condition: Ready, Reconciling and Stalled come from
// pkg/reconcile. Events: Normal when the scan result changes or the object recovers, Warning on
// failure. Neighbours: internal/registry does the network work; the imagepolicy reconciler
// watches the status this package writes.
package imagerepository
