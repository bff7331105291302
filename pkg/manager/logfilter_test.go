package manager

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/go-logr/logr/funcr"
)

// TestQuietCancelledReads: only client-go's body-read error caused by a cancelled context is
// demoted (to V(1)); everything else reaches the sink unchanged, through names and values too.
func TestQuietCancelledReads(t *testing.T) {
	tests := []struct {
		name      string
		err       error
		msg       string
		verbosity int
		want      string // "" when nothing may be logged
	}{
		{name: "cancelled read, default verbosity", err: context.Canceled, msg: clientGoBodyReadError},
		{name: "cancelled read, wrapped", err: fmt.Errorf("read: %w", context.Canceled), msg: clientGoBodyReadError},
		{name: "cancelled read at V(1)", err: context.Canceled, msg: clientGoBodyReadError, verbosity: 1,
			want: `"level"=1 "msg"="Unexpected error when reading response body (request cancelled)"`},
		{name: "other body-read error", err: errors.New("connection reset"), msg: clientGoBodyReadError,
			want: `"msg"="Unexpected error when reading response body" "error"="connection reset"`},
		{name: "cancellation with another message", err: context.Canceled, msg: "apply failed",
			want: `"msg"="apply failed" "error"="context canceled"`},
		{name: "deadline", err: context.DeadlineExceeded, msg: clientGoBodyReadError,
			want: `"error"="context deadline exceeded"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var lines []string
			base := funcr.New(func(prefix, args string) { lines = append(lines, prefix+" "+args) },
				funcr.Options{Verbosity: tt.verbosity})
			log := quietCancelledReads(base).WithName("kustomize-controller").WithValues("reconcileID", "r1")
			log.Error(tt.err, tt.msg)
			if tt.want == "" {
				if len(lines) != 0 {
					t.Fatalf("logged %q, want nothing", lines)
				}
				return
			}
			if len(lines) != 1 || !strings.Contains(lines[0], tt.want) {
				t.Fatalf("logged %q, want one line containing %s", lines, tt.want)
			}
			if !strings.Contains(lines[0], "kustomize-controller") || !strings.Contains(lines[0], `"reconcileID"="r1"`) {
				t.Errorf("logged %q: name and values must survive the wrapper", lines[0])
			}
		})
	}
}
