// Package gitpushtest starts real Git servers (fluxcd/pkg/gittestserver, over HTTP with basic
// auth and over SSH with a known host key) and reads what was pushed to them. It is used by the
// tests of internal/gitpush and of the imageupdateautomation controller, and by the benchmark.
package gitpushtest
