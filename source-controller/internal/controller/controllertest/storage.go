package controllertest

import (
	"net/http"
	"net/http/httptest"
	"os"
	"time"

	"github.com/fluxcd/pkg/artifact/storage"
)

// ServeStorage creates a temporary storage directory (its name starts with prefix), serves it
// over HTTP with the handler that newHandler builds for it, and returns the artifact storage a
// reconciler writes to (its Hostname is the server's URL, so artifact URLs resolve), the server,
// and stop, which closes the server and removes the directory.
//
// Artifacts are kept for retentionTTL and at most two per object. It panics on error: it is
// meant for TestMain, where a failed set-up is not a test failure anyone could report better.
func ServeStorage(prefix string, newHandler func(root string) (http.Handler, error), retentionTTL time.Duration) (st *storage.Storage, srv *httptest.Server, stop func()) {
	root, err := os.MkdirTemp("", prefix)
	if err != nil {
		panic(err)
	}
	handler, err := newHandler(root)
	if err != nil {
		_ = os.RemoveAll(root)
		panic(err)
	}
	srv = httptest.NewServer(handler)
	st = &storage.Storage{
		BasePath:                 root,
		Hostname:                 srv.URL,
		ArtifactRetentionTTL:     retentionTTL,
		ArtifactRetentionRecords: 2,
	}
	return st, srv, func() {
		srv.Close()
		_ = os.RemoveAll(root)
	}
}
