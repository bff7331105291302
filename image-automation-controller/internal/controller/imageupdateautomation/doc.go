// Package imageupdateautomation is the reconciler of ImageUpdateAutomation objects: it writes the
// latest images chosen by the selected ImagePolicies into a Git repository and pushes a commit.
//
// The reconciler is a thin orchestrator. It resolves the spec and the referenced GitRepository
// (URL, credentials, branch) into a gitpush.Config, collects the Ready ImagePolicies that match
// spec.policySelector, and hands internal/gitpush an update function that runs internal/update's
// Setters strategy on the warm clone and renders the commit message template. Status and events
// follow Flux's image-automation-controller. Automations run at their interval and as soon as
// a selected ImagePolicy's status.latestRef changes (the ImagePolicy watch), or when the
// referenced GitRepository appears or changes its spec (the GitRepository watch, through a field
// index on spec.sourceRef; watch.go). A run queued by a policy change right after the
// automation's own status write waits (pkg/reconcile.Written) until the cache shows that write,
// rather than running again from the older copy.
package imageupdateautomation
