// Package artifact is the consumer side of the source artifact contract: it downloads the
// tarball that a source (GitRepository, OCIRepository, ...) advertises in status.artifact,
// verifies it against status.artifact.digest and extracts it safely into a directory.
//
// source-controller produces the artifacts (fluxcd/pkg/artifact/storage) and serves them
// (source-controller/internal/server); kustomize-controller and image-automation-controller
// call Fetch to use them.
//
// What Fetch guarantees:
//   - the URL host is replaced by $SOURCE_CONTROLLER_LOCALHOST when set (and by
//     $SOURCE_WATCHER_LOCALHOST for source-watcher URLs), as Flux does for local development;
//   - the body is streamed to a temporary file while it is hashed, never held in memory;
//   - the digest must match ("<algo>:<hex>" with sha256, sha384 or sha512; a bare hex digest
//     means sha256) before anything is extracted;
//   - 404 answers ErrNotFound at once (the source moved on or is gone), 5xx, 429 and network
//     errors are retried with bounded exponential backoff, other statuses fail at once;
//   - extraction keeps only regular files and directories (symlinks, hard links and devices
//     are skipped), refuses absolute paths and any ".." segment, and enforces optional limits
//     on the download size and on the extracted size;
//   - the target directory is populated atomically: content is extracted next to it and
//     renamed into place, so a failed Fetch leaves no partial tree behind.
//
// Sharing extractions: the extracted tree is a pure function of the digest (same digest, same
// bytes, same tree, because extraction depends on nothing else but the options, which only
// reject). A cache can therefore key directories by digest, see DirFor, and skip Fetch when
// the directory for a digest already exists; the atomic rename makes a concurrent Fetch into
// the same directory safe: a Fetch that finds the directory already filled fails with an
// error wrapping os.ErrExist and leaves the other tree untouched, for the caller to use.
package artifact
