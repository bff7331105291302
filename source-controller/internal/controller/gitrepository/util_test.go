package gitrepository

import (
	"bytes"
	"context"
	"io"

	"sigs.k8s.io/controller-runtime/pkg/client"
)

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

// bg is the background context for helpers that have no test at hand.
func bg() context.Context { return context.Background() }

func keyOf(o client.Object) client.ObjectKey { return client.ObjectKeyFromObject(o) }
