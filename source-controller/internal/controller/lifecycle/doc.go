// Package lifecycle holds the reconcile steps that the GitRepository and OCIRepository
// reconcilers (the sibling packages) share because they concern any source with an artifact in
// storage, not one kind of remote: marking the start of a reconcile (written early after a spec
// change), its scratch directory, acknowledging a reconcile request while suspended, and
// removing every artifact of a deleted object.
package lifecycle
