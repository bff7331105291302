package reconcile

import "time"

// DefaultProgressAfter is how long a reconcile runs before it writes its progress (Reconciling,
// Ready=Unknown, "building artifact: ...") ahead of its outcome. A quicker reconcile reports in
// one status write, the outcome: its progress would be overwritten before anyone could act on it.
const DefaultProgressAfter = time.Second

// ProgressDue reports whether a reconcile that has run for elapsed writes its progress, for a
// reconciler's ProgressAfter setting after: zero means DefaultProgressAfter, negative always.
func ProgressDue(elapsed, after time.Duration) bool {
	switch {
	case after < 0:
		return true
	case after == 0:
		after = DefaultProgressAfter
	}
	return elapsed >= after
}
