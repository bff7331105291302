// Package receiver is the Receiver reconciler. It checks that a Receiver can be served (its type
// is supported, its CEL filters compile, its Secret holds a token), publishes
// status.webhookPath = /hook/<sha256(token+name+namespace)> and Ready, and re-reads the Secret
// every spec.interval and whenever the Secret changes (a metadata-only watch).
//
// It never serves requests: internal/receiver is the HTTP server, which looks Receivers up by
// status.webhookPath and trusts Ready. The reconciler uses that package's Token and
// CompileFilters, so the server and the status agree on what is valid.
package receiver
