package receiver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/fluxcd/pkg/runtime/conditions"
	"github.com/go-logr/logr"
	"golang.org/x/time/rate"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	notifv1 "github.com/eddy-gitops/eddy/api/notification/v1"
)

// MaxBodySize is the largest request body accepted (3 MiB); larger bodies get 413.
const MaxBodySize = 3 << 20

// Defaults for Options.
const (
	DefaultRateLimit    rate.Limit = 5 // requests per second per Receiver
	DefaultBurst                   = 50
	DefaultReplayWindow            = 5 * time.Minute
)

// Options tune the server.
type Options struct {
	// Addr is the listen address, e.g. ":9292".
	Addr string
	// RateLimit and Burst size each Receiver's token bucket; rate.Inf disables limiting.
	RateLimit rate.Limit
	Burst     int
	// ReplayWindow is how long the keys of accepted signed requests are remembered
	// (DefaultReplayWindow when 0); a negative value disables replay protection.
	ReplayWindow time.Duration
}

// The server patches the targets' requestedAt annotation; setup/setup.go grants the Flux groups,
// this adds ArtifactGenerator, a default target kind.
// +kubebuilder:rbac:groups=source.extensions.fluxcd.io,resources=artifactgenerators,verbs=get;list;watch;patch

// Server serves the Receivers' webhooks. It implements manager.Runnable and runs on every
// replica (no leader election): any replica can annotate.
type Server struct {
	opts      Options
	client    client.Client // cached Receivers (webhook path index); patches go to the API server
	apiReader client.Reader // uncached: Secrets and targets
	log       logr.Logger
	replay    *replayCache
	limits    *limiters
}

// New builds a server. c must be the manager's client (its cache carries IndexWebhookPath);
// apiReader reads Secrets and targets without caching them.
func New(c client.Client, apiReader client.Reader, log logr.Logger, o Options) *Server {
	if o.RateLimit == 0 {
		o.RateLimit = DefaultRateLimit
	}
	if o.Burst == 0 {
		o.Burst = DefaultBurst
	}
	if o.ReplayWindow == 0 {
		o.ReplayWindow = DefaultReplayWindow
	}
	return &Server{
		opts:      o,
		client:    c,
		apiReader: apiReader,
		log:       log,
		replay:    newReplayCache(o.ReplayWindow, time.Now),
		limits:    newLimiters(o.RateLimit, o.Burst, time.Now),
	}
}

// NeedLeaderElection is false: webhooks are served by every replica.
func (s *Server) NeedLeaderElection() bool { return false }

// Start listens on Options.Addr and serves until ctx is done.
func (s *Server) Start(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.opts.Addr)
	if err != nil {
		return fmt.Errorf("receiver server: %w", err)
	}
	return s.Serve(ctx, ln)
}

// Serve serves on ln until ctx is done, then shuts down gracefully.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		<-ctx.Done()
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdownCtx)
	}()
	s.log.Info("serving receiver webhooks", "addr", ln.Addr().String(), "path", notifv1.ReceiverWebhookPath)
	err := srv.Serve(ln)
	<-done
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Handler is the HTTP handler, mounted at /hook/.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc(notifv1.ReceiverWebhookPath, s.handle)
	return mux
}

// reply is the outcome of one request: a status code and a message that is safe to show the
// sender (it never contains the token or an expected signature).
type reply struct {
	code int
	msg  string
	rcv  *notifv1.Receiver
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	rep := s.serve(r)
	log := s.log.WithValues("path", r.URL.Path, "code", rep.code)
	if rep.rcv != nil {
		log = log.WithValues("receiver", client.ObjectKeyFromObject(rep.rcv).String(), "type", rep.rcv.Spec.Type)
	}
	if rep.code >= http.StatusInternalServerError {
		log.Error(errors.New(rep.msg), "webhook request failed")
	} else {
		log.V(1).Info(rep.msg)
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(rep.code)
	_, _ = io.WriteString(w, rep.msg+"\n")
}

// serve runs the steps listed in the package documentation; the first failing step answers.
func (s *Server) serve(r *http.Request) reply {
	ctx := r.Context()
	rcv, err := s.lookup(ctx, r.URL.Path)
	if err != nil {
		return reply{code: http.StatusInternalServerError, msg: "looking up the receiver failed"}
	}
	if rcv == nil {
		return reply{code: http.StatusNotFound, msg: "no receiver at this path"}
	}
	fail := func(code int, format string, args ...any) reply {
		return reply{code: code, msg: fmt.Sprintf(format, args...), rcv: rcv}
	}
	if code, msg := admission(rcv); code != 0 {
		return fail(code, "%s", msg)
	}
	if !s.limits.allow(rcv.UID) {
		return fail(http.StatusTooManyRequests, "rate limit exceeded for this receiver")
	}
	body, err := readBody(r)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return fail(http.StatusRequestEntityTooLarge, "request body exceeds %d bytes", MaxBodySize)
		}
		return fail(http.StatusBadRequest, "reading the request body failed")
	}
	token, err := Token(ctx, s.apiReader, rcv)
	if err != nil {
		// Never echo the Secret error: a missing token just means the receiver is not usable.
		return fail(http.StatusServiceUnavailable, "receiver token is not available")
	}
	if rcv.GetWebhookPath(token) != r.URL.Path {
		// The token was rotated and the status not yet updated: the old path is gone.
		return fail(http.StatusNotFound, "no receiver at this path")
	}
	v, err := verify(rcv.Spec.Type, []byte(token), r.Header, body)
	if err != nil {
		return fail(http.StatusBadRequest, "validation failed: %s", err)
	}
	if v.ping {
		return fail(http.StatusOK, "pong")
	}
	if !allowedEvent(rcv.Spec.Events, v.event) {
		return fail(http.StatusBadRequest, "event %q is not in spec.events", v.event)
	}
	if !s.replay.claim(rcv.UID, v.replayKeys) {
		return fail(http.StatusBadRequest, "validation failed: this signed request was already received (replay)")
	}
	n, err := s.trigger(ctx, rcv, requestVars(r.Header, body))
	if err != nil {
		// The sender may retry the same signed request after a failure.
		s.replay.release(rcv.UID, v.replayKeys)
		var filterErr *filterError
		if errors.As(err, &filterErr) {
			return fail(http.StatusBadRequest, "validation failed: %s", err)
		}
		return fail(http.StatusInternalServerError, "%s", err)
	}
	return fail(http.StatusOK, "requested reconciliation of %d object(s)", n)
}

// lookup finds the Receiver whose status.webhookPath is path; nil when there is none.
func (s *Server) lookup(ctx context.Context, path string) (*notifv1.Receiver, error) {
	var list notifv1.ReceiverList
	if err := s.client.List(ctx, &list, client.MatchingFields{WebhookPathIndex: path}); err != nil {
		return nil, err
	}
	if len(list.Items) == 0 {
		return nil, nil
	}
	return &list.Items[0], nil
}

// admission refuses Receivers that must not act: suspended, or not Ready (for example invalid,
// or its token missing). It returns 0 when the request may proceed.
func admission(rcv *notifv1.Receiver) (int, string) {
	switch {
	case rcv.Spec.Suspend:
		return http.StatusServiceUnavailable, "receiver is suspended"
	case !conditions.IsReady(rcv):
		return http.StatusServiceUnavailable, "receiver is not ready"
	}
	return 0, ""
}

// readBody reads at most MaxBodySize bytes; one more byte is an *http.MaxBytesError.
func readBody(r *http.Request) ([]byte, error) {
	return io.ReadAll(http.MaxBytesReader(nil, r.Body, MaxBodySize))
}

// trigger selects the targets and requests their reconciliation; it returns how many it
// annotated. It stops at the first failure: the sender's retry annotates them all again.
func (s *Server) trigger(ctx context.Context, rcv *notifv1.Receiver, req map[string]any) (int, error) {
	filters, err := CompileFilters(&rcv.Spec)
	if err != nil {
		return 0, err
	}
	targets, err := selectTargets(ctx, s.apiReader, rcv, filters, req)
	if err != nil {
		return 0, err
	}
	at := metav1.Now().String()
	for _, obj := range targets {
		if err := requestReconcile(ctx, s.client, obj, at); err != nil {
			return 0, err
		}
	}
	return len(targets), nil
}
