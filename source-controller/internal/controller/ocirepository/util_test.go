package ocirepository

import (
	"context"
	"fmt"
	"strings"
)

// bg is the context of reads inside Eventually, which may outlive a test's context.
func bg() context.Context { return context.Background() }

// containsVerb reports whether a message template takes the namespace.
func containsVerb(s string) bool { return strings.Contains(s, "%s") }

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }
