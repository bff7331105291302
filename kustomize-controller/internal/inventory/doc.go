// Package inventory converts between the objects a Kustomization applied and its
// status.inventory, whose entries use Flux's id format "<namespace>_<name>_<group>_<kind>" plus
// the API version. The reconciler (internal/controller/kustomization) records the inventory after
// every apply; the prune step asks Diff which objects left the set, and deletion lists every
// object to garbage-collect. Nothing here talks to the API server.
package inventory
