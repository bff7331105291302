// Package artifactcache keeps source artifacts (the tar.gz that source-controller serves at
// status.artifact.url) extracted exactly once per digest, in a content-addressed directory that
// every Kustomization using that artifact shares read-only. Entries are reference-counted so
// that eviction (bounded by MaxEntries) never removes a directory a build is still reading.
//
// Downloading, digest verification and safe extraction are pkg/artifact's job; this package adds
// the sharing. The reconciler (internal/controller/kustomization) uses it through its small
// Fetcher interface.
package artifactcache
