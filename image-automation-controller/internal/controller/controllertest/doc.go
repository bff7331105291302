// Package controllertest holds the test helpers that the envtest suites of the imagepolicy and
// imagerepository controllers share: waiting for an object's Ready condition and reading the
// events recorded for it. Both reconcilers follow the same status contract (Ready condition
// patched apart from the other status fields), so one implementation serves both; each suite
// keeps its own TestMain, reconciler options and the "status complete" test of its type.
//
// It is imported by tests only.
package controllertest
