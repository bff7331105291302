// Package dispatch decides which Alerts an accepted event concerns and delivers it through
// their Providers.
//
// match.go holds the pure matching rules (event sources, severity, inclusion and exclusion
// lists, --no-cross-namespace-refs, the per-Provider-type skip rules), metadata.go the RFC-0008
// metadata merge, provider.go turns a Provider and its Secrets into notifier.Options (also used
// by the Provider reconciler to validate), and dispatcher.go ties them together: it is the
// server.Dispatcher the event server's workers call. Deliveries run in their own goroutines with
// the Provider's timeout and a per-Provider bound, so a slow or failing Provider never holds up
// the endpoint or other Alerts; failures become Warning events on the Alert.
package dispatch
