// Package gitpush keeps a working copy of a Git repository per repository and branch, and turns
// one run of an image update automation into at most one commit pushed to the remote.
//
// A run syncs the warm clone (fetch, then a hard reset to the remote tip, so nothing left over
// from an earlier failed run can reach a commit), calls the caller's update function on the
// worktree, commits the files it changed with the configured author and optional OpenPGP
// signature, and pushes without ever forcing. When the remote moved between the fetch and the
// push (someone else pushed), the push is rejected as non-fast-forward; the run then fetches
// again, redoes the update on the new tip and pushes again, a bounded number of times. The other
// commit thus becomes the parent of ours and is never overwritten.
//
// A run starts from a branch tip, or (checkout.go) from a tag, the highest tag in a semver range,
// a commit or a full reference name; those cannot be pushed to, so they need a push branch, which
// the first run creates from that point.
//
// Credentials come from a GitRepository's Secret, parsed by fluxcd/pkg/git.NewAuthOptions
// (basic auth, bearer token, SSH identity with known_hosts, CA and client certificates); the
// transport is go-git, optionally through an HTTP(S) proxy. Errors are scrubbed of credentials before they are returned.
//
// The package knows nothing of Kubernetes; the imageupdateautomation controller builds the
// Config from the objects and internal/update does the file rewriting.
package gitpush
