package reconcile

import (
	"testing"
	"time"
)

func TestProgressDue(t *testing.T) {
	tests := []struct {
		name           string
		elapsed, after time.Duration
		want           bool
	}{
		{"default, quick", 200 * time.Millisecond, 0, false},
		{"default, a second", time.Second, 0, true},
		{"set, under", 2 * time.Second, 3 * time.Second, false},
		{"set, over", 4 * time.Second, 3 * time.Second, true},
		{"negative: always", 0, -1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ProgressDue(tt.elapsed, tt.after); got != tt.want {
				t.Errorf("ProgressDue(%s, %s) = %v, want %v", tt.elapsed, tt.after, got, tt.want)
			}
		})
	}
}
