// Package gittest builds real Git repositories and serves them over smart HTTP (with optional
// basic auth) and SSH (with host keys and known_hosts) for the tests of internal/git and of the
// GitRepository reconciler. Repositories are written with go-git straight into the bare
// repository the server serves; the server counts upload-pack requests and bytes so tests can
// prove that the no-change path did not clone.
package gittest
