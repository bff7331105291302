package lifecycle

import (
	"testing"

	"github.com/fluxcd/pkg/apis/meta"
	"github.com/fluxcd/pkg/runtime/conditions"

	sourcev1 "github.com/eddy-gitops/eddy/api/source/v1"
)

// TestRecovered: recovery is the end of a failure condition (or of a stall), whatever Ready
// said in between.
func TestRecovered(t *testing.T) {
	failures := []string{sourcev1.FetchFailedCondition, sourcev1.StorageOperationFailedCondition}
	failed := &sourcev1.GitRepository{}
	conditions.MarkTrue(failed, sourcev1.FetchFailedCondition, "GitOperationFailed", "boom")
	stalled := &sourcev1.GitRepository{}
	conditions.MarkStalled(stalled, sourcev1.URLInvalidReason, "bad")
	healthy := &sourcev1.GitRepository{}
	// A retry's progress patch made Ready Unknown; the failure condition is still there.
	retrying := failed.DeepCopy()
	conditions.MarkUnknown(retrying, meta.ReadyCondition, meta.ProgressingReason, "reconciliation in progress")
	readyFalseOnly := &sourcev1.GitRepository{}
	conditions.MarkFalse(readyFalseOnly, meta.ReadyCondition, "Whatever", "no failure condition")
	tests := []struct {
		name     string
		old, new *sourcev1.GitRepository
		want     bool
	}{
		{name: "failure cleared", old: failed, new: healthy, want: true},
		{name: "stall cleared", old: stalled, new: healthy, want: true},
		{name: "still failing", old: failed, new: failed, want: false},
		{name: "never failed", old: healthy, new: healthy, want: false},
		{name: "failure cleared, Ready was Unknown", old: retrying, new: healthy, want: true},
		{name: "Ready False without a failure condition", old: readyFalseOnly, new: healthy, want: false},
	}
	for _, tt := range tests {
		if got := Recovered(tt.old, tt.new, failures); got != tt.want {
			t.Errorf("%s: Recovered = %v, want %v", tt.name, got, tt.want)
		}
	}
}
