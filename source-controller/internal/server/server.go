package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/go-logr/logr"
)

// shutdownTimeout bounds how long in-flight downloads may take once the manager stops.
const shutdownTimeout = 10 * time.Second

// Server serves the artifact storage over HTTP. It is a controller-runtime Runnable: add it with
// mgr.Add and it listens while the manager runs.
type Server struct {
	addr string
	root string
	log  logr.Logger

	mu       sync.Mutex
	listener net.Listener
	ready    chan struct{}
}

// New returns a server for the storage directory root, listening on addr once started.
func New(addr, root string, log logr.Logger) *Server {
	return &Server{addr: addr, root: root, log: log, ready: make(chan struct{})}
}

// NeedLeaderElection reports true: only the leader writes artifacts, so only the leader serves
// them (as Flux's source-controller does); the Service in front selects the leader's endpoint
// through readiness.
func (s *Server) NeedLeaderElection() bool { return true }

// Addr returns the address the server listens on, blocking until it is listening or ctx ends.
// It is useful when the configured address has port 0.
func (s *Server) Addr(ctx context.Context) (string, error) {
	select {
	case <-s.ready:
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.listener.Addr().String(), nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// Start listens and serves until ctx is cancelled, then shuts down gracefully.
func (s *Server) Start(ctx context.Context) error {
	handler, err := Handler(s.root)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		return fmt.Errorf("artifact server: listening on %s: %w", s.addr, err)
	}
	s.mu.Lock()
	s.listener = ln
	s.mu.Unlock()
	close(s.ready)

	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
	}
	errCh := make(chan error, 1)
	go func() { errCh <- srv.Serve(ln) }()
	s.log.Info("serving artifacts", "addr", ln.Addr().String(), "path", s.root)

	select {
	case <-ctx.Done():
		shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
		defer cancel()
		return srv.Shutdown(shutdownCtx)
	case err := <-errCh:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return fmt.Errorf("artifact server: %w", err)
	}
}

// Handler returns the http.Handler serving the storage directory root.
func Handler(root string) (http.Handler, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	// Resolve the root itself once, so that a symlinked storage path (e.g. /data -> /mnt/data)
	// does not make every legitimate file look like it escapes.
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return nil, fmt.Errorf("artifact server: storage path: %w", err)
	}
	return &fileHandler{root: real}, nil
}

type fileHandler struct {
	root string
}

func (h *fileHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	rel, ok := requestPath(r.URL.Path)
	if !ok {
		http.NotFound(w, r)
		return
	}
	f, info, ok := h.open(rel)
	if !ok {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	// ServeContent answers HEAD without a body and supports Range and conditional requests;
	// it never lists directories because we only hand it regular files.
	http.ServeContent(w, r, info.Name(), info.ModTime(), f)
}

// requestPath turns the decoded URL path into a relative slash path, refusing anything that
// is not a plain downward path: ".." segments, backslashes, NUL bytes and internal files.
func requestPath(p string) (string, bool) {
	if strings.ContainsAny(p, "\\\x00") {
		return "", false
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == ".." {
			return "", false
		}
	}
	rel := strings.TrimPrefix(path.Clean("/"+p), "/")
	if rel == "" || rel == "." {
		return "", false
	}
	base := path.Base(rel)
	if strings.HasPrefix(base, ".") || strings.HasSuffix(base, ".lock") || strings.HasSuffix(base, ".tmp") {
		return "", false
	}
	return rel, true
}

// open resolves rel under the root, following symlinks only while they stay inside the root,
// and opens it if it is a regular file.
func (h *fileHandler) open(rel string) (*os.File, os.FileInfo, bool) {
	resolved, err := filepath.EvalSymlinks(filepath.Join(h.root, filepath.FromSlash(rel)))
	if err != nil {
		return nil, nil, false
	}
	inside, err := filepath.Rel(h.root, resolved)
	if err != nil || inside == ".." || strings.HasPrefix(inside, ".."+string(filepath.Separator)) || filepath.IsAbs(inside) {
		return nil, nil, false
	}
	f, err := os.Open(resolved)
	if err != nil {
		return nil, nil, false
	}
	info, err := f.Stat()
	if err != nil || !info.Mode().IsRegular() {
		f.Close()
		return nil, nil, false
	}
	return f, info, true
}
