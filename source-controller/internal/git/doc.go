// Package git is source-controller's Git domain: it turns a GitRepository's URL, credentials and
// reference into a checked out working tree (Checkout), answers "did the remote move?" with one
// ref advertisement instead of a clone (CloneOptions.LastRevision), verifies OpenPGP signatures
// of commits and tags (VerifyCommit, VerifyTag), and classifies failures into kinds the
// reconciler maps to Flux reasons, with credentials masked. It knows nothing about Kubernetes
// objects: the GitRepository reconciler (internal/controller/gitrepository) reads Secrets and
// passes their data in. Transport, auth and clone strategies come from fluxcd/pkg/git/gogit;
// session.go wraps go-git's transports so that one checkout's listing and clone share a
// session, which neither library offers.
package git
