package manager

import (
	"testing"

	"github.com/go-logr/logr/funcr"
	"k8s.io/client-go/rest"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
)

// TestDedupeWarnings: a warning the API server repeats for every object is logged once; a
// handler the caller set is kept.
func TestDedupeWarnings(t *testing.T) {
	var lines []string
	log := funcr.New(func(_, args string) { lines = append(lines, args) }, funcr.Options{})
	ctx := ctrllog.IntoContext(t.Context(), log)

	cfg := &rest.Config{}
	dedupeWarnings(cfg)
	if cfg.WarningHandlerWithContext == nil {
		t.Fatal("no warning handler set")
	}
	finalizer := `metadata.finalizers: "finalizers.fluxcd.io": prefer a domain-qualified finalizer name including a path (/)`
	for range 3 {
		cfg.WarningHandlerWithContext.HandleWarningHeaderWithContext(ctx, 299, "-", finalizer)
	}
	cfg.WarningHandlerWithContext.HandleWarningHeaderWithContext(ctx, 299, "-", "apps/v1beta1 Deployment is deprecated")
	if len(lines) != 2 {
		t.Errorf("logged %d lines, want 2 (one per distinct warning): %q", len(lines), lines)
	}

	own := rest.NoWarnings{}
	cfg = &rest.Config{WarningHandlerWithContext: own}
	dedupeWarnings(cfg)
	if cfg.WarningHandlerWithContext != own {
		t.Error("the caller's handler was replaced")
	}
}
