// Package controllertest holds the test helpers that notification-controller's envtest suites
// share: the TestMain body of the Alert and Provider reconciler suites (same scheme, same quiet
// event recorder, one real API server) and the reading of the Warning events a reconciler or the
// dispatcher records on an object.
//
// Each suite still builds and registers its own reconciler with its own options; only the set-up
// around it lives here. It is imported by tests only.
package controllertest
