// Package server is source-controller's artifact HTTP server. It serves the files that the
// artifact storage (fluxcd/pkg/artifact/storage, created in setup/storage.go) writes under
// --storage-path, on --storage-addr, to consumers such as kustomize-controller (which use
// pkg/artifact to download them).
//
// Unlike a plain http.FileServer it is deliberately narrow: GET and HEAD only (405 otherwise),
// regular files only (directories and anything else answer 404, so there are no listings), no
// path traversal (".." segments, encoded or not, answer 404, and symlinks such as the storage's
// "latest" links are followed only when they resolve inside the storage root), and internal
// files (locks, temporary files) are never served.
package server
