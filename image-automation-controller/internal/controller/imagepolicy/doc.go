// Package imagepolicy reconciles ImagePolicy objects: it reads the tag list that the
// imagerepository reconciler stored (internal/tagstore) for the referenced ImageRepository,
// picks the latest tag with internal/policy, optionally resolves its digest with
// internal/registry, and records the result in status.latestRef, which ImageUpdateAutomation
// reads.
//
// A policy is re-evaluated when its spec changes, when a reconcile is requested, and as soon as
// its ImageRepository's scan result changes: the controller watches ImageRepositories and finds
// the policies that refer to one through a field index (not on a timer). Only with
// digestReflectionPolicy Always does it also requeue itself at spec.interval.
//
// Reasons: DependencyNotReady (repository missing or not scanned yet), AccessDenied (cross-
// namespace reference refused by the repository's accessFrom), InvalidPolicy and
// IntervalNotConfigured (Stalled), Failure (no tag matches). Events: Normal when the latest image
// changes, Warning on failure.
package imagepolicy
