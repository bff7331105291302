// Package server is notification-controller's event endpoint: the HTTP server on --events-addr
// that the other controllers' recorders POST their events to.
//
// It validates each event (fluxcd/pkg/apis/event v1beta1), cleans its metadata, drops
// duplicates inside --rate-limit-interval with a 429, answers 202 at once and hands the event to
// a bounded queue drained by a few workers. The workers call a Dispatcher (package dispatch),
// which matches Alerts and delivers through notifiers; nothing a provider does can slow the
// endpoint down. The webhook receivers (the other server on --receiver-addr) live elsewhere.
package server
