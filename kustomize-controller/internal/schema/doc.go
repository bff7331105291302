// Package schema validates manifests locally against the schemas the API server validates
// them against, so that internal/apply can drop the per-object server-side dry-run for objects
// the local check covers as strongly as the server's own schema check (unknown fields, types,
// required fields, enums, formats, bounds). Validation uses k8s.io/kube-openapi's validators,
// the same code kube-apiserver runs for CRD schemas.
//
// Where the schemas come from, and why they cannot be stale:
//   - built-in kinds: the server's /openapi/v3 document of their group-version, cached by the
//     content hash the /openapi/v3 index publishes (the index is re-read at most every
//     IndexTTL, 30 s: core schemas change only with the API server);
//   - custom resources whose CRD is in the same revision: that CRD manifest (FromCRD), which is
//     what the server will validate them against once the revision's first stage applied it;
//   - other custom resources: their CRD as read from the cluster (Cache.CRD, parsed once per
//     resourceVersion), not the published document, which the server updates asynchronously
//     and whose index hash can lag behind a changed CRD.
//
// Kinds without a schema are reported as not covered and keep the server dry-run;
// internal/apply decides that, and has the server confirm every local rejection.
package schema
