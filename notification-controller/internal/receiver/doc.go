// Package receiver is the webhook side of Receivers: an HTTP server (a manager Runnable on
// --receiver-addr) that serves /hook/<sha256(token+name+namespace)>.
//
// A request is handled in a fixed order, and nothing touches the cluster before the request is
// proven authentic:
//
//  1. find the Receiver whose status.webhookPath equals the request path (a field index on the
//     manager's cache, see IndexWebhookPath) -> 404 when none;
//  2. refuse suspended or not-Ready Receivers -> 503;
//  3. take a token from the Receiver's bucket -> 429 when it is empty (RateLimit, Burst);
//  4. read at most 3 MiB of body -> 413 beyond;
//  5. verify the request for the Receiver's type (verify.go) and reject a signed body already
//     seen within the replay window (guard.go) -> 400;
//  6. filter the event type against spec.events -> 400; pings are answered 200 and do nothing;
//  7. select the targets (spec.resources, wildcard + matchLabels, CEL filter/resourceFilter,
//     targets.go; a named target is read only for a filter) -> 400 when a filter cannot be
//     evaluated on this request;
//  8. merge-patch reconcile.fluxcd.io/requestedAt on each target -> 500 when reading or
//     patching fails, 200 on success.
//
// Its neighbours: internal/controller/receiver validates Receivers, publishes
// status.webhookPath and Ready (which this server trusts) and uses CompileFilters from here to
// reject invalid CEL; setup/receivers.go wires both onto the manager.
package receiver
