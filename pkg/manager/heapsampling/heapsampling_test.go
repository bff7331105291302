package heapsampling

import (
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// TestSamplingOffAtStart: importing the package turns sampling off (this test binary imports
// it), unless GODEBUG set a rate, which is then left as the runtime applied it.
func TestSamplingOffAtStart(t *testing.T) {
	want := 0
	for field := range strings.SplitSeq(os.Getenv("GODEBUG"), ",") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(field), "memprofilerate="); ok {
			want, _ = strconv.Atoi(v)
		}
	}
	if runtime.MemProfileRate != want {
		t.Errorf("runtime.MemProfileRate = %d after init, want %d", runtime.MemProfileRate, want)
	}
}

func TestSetByGODEBUG(t *testing.T) {
	tests := []struct {
		godebug string
		want    bool
	}{
		{"", false},
		{"madvdontneed=1", false},
		{"memprofilerate=524288", true},
		{"gctrace=1,memprofilerate=1", true},
		{"gctrace=1, memprofilerate=0", true},
		{"xmemprofilerate=1", false},
	}
	for _, tt := range tests {
		if got := SetByGODEBUG(tt.godebug); got != tt.want {
			t.Errorf("SetByGODEBUG(%q) = %v, want %v", tt.godebug, got, tt.want)
		}
	}
}
