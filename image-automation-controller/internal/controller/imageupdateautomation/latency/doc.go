// Package latency holds the trigger-latency benchmark of the ImageUpdateAutomation reconciler:
// the time from a new latest image (an ImagePolicy status update in a real API server) to the
// commit being visible on a real Git server, with the ImagePolicy watch (triggered) and without
// it (interval), for a small repository and one with 10,000 commits. It lives apart from the
// reconciler's tests because each case runs its own manager with a differently configured
// reconciler.
package latency
