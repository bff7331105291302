package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	eventv1 "github.com/fluxcd/pkg/apis/event/v1beta1"
	"github.com/go-logr/logr"
)

const (
	// MaxBodyBytes is the largest event payload accepted (413 above).
	MaxBodyBytes = 3 << 20
	// MaxHeaderBytes is the largest request header block accepted.
	MaxHeaderBytes = 256 << 10
)

// Dispatcher delivers one accepted event to the matching Alerts. It is called from the
// server's workers and must not block on providers (package dispatch hands deliveries to their
// own goroutines).
type Dispatcher interface {
	Dispatch(ctx context.Context, e *eventv1.Event)
}

// Options configure an EventServer.
type Options struct {
	// Addr is the listen address (--events-addr).
	Addr string
	// RateLimitInterval is the de-duplication window (--rate-limit-interval).
	RateLimitInterval time.Duration
	// QueueSize bounds the events accepted but not yet dispatched (default 4096). When it is
	// full the server answers 503, which the recorders retry, so nothing is silently lost.
	QueueSize int
	// Workers drain the queue (default 4).
	Workers int
	// MaxKeys bounds the de-duplication memory (default 100000).
	MaxKeys int
	Log     logr.Logger
}

// EventServer is the event endpoint. It is a manager Runnable (Start) and an http.Handler.
type EventServer struct {
	opts       Options
	dispatcher Dispatcher
	dedup      *Deduper
	queue      chan *eventv1.Event
	log        logr.Logger
}

// New returns an EventServer that hands accepted events to d.
func New(o Options, d Dispatcher) *EventServer {
	if o.QueueSize <= 0 {
		o.QueueSize = 4096
	}
	if o.Workers <= 0 {
		o.Workers = 4
	}
	return &EventServer{
		opts:       o,
		dispatcher: d,
		dedup:      NewDeduper(o.RateLimitInterval, o.MaxKeys),
		queue:      make(chan *eventv1.Event, o.QueueSize),
		log:        o.Log,
	}
}

// NeedLeaderElection is false: every replica behind the Service must accept the events it is
// sent, as in Flux.
func (s *EventServer) NeedLeaderElection() bool { return false }

// Start listens on Addr and serves until ctx is done, then drains nothing more: events still
// queued at shutdown are dropped with the process, like Flux.
func (s *EventServer) Start(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.opts.Addr)
	if err != nil {
		return fmt.Errorf("event server: %w", err)
	}
	return s.Serve(ctx, ln)
}

// Serve is Start on an existing listener (tests and the benchmark listen on 127.0.0.1:0).
func (s *EventServer) Serve(ctx context.Context, ln net.Listener) error {
	var workers sync.WaitGroup
	for range s.opts.Workers {
		workers.Go(func() { s.work(ctx) })
	}
	if s.opts.RateLimitInterval > 0 {
		workers.Go(func() { s.dedup.expireEvery(ctx, expiryTick(s.opts.RateLimitInterval)) })
	}
	srv := &http.Server{
		Handler:           s,
		MaxHeaderBytes:    MaxHeaderBytes,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	s.log.Info("event server listening", "addr", ln.Addr().String())
	err := srv.Serve(ln)
	workers.Wait()
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// expiryTick is how often the de-duplication keys are expired while no event arrives: a quarter
// of the window, at least every second.
func expiryTick(window time.Duration) time.Duration {
	return max(window/4, time.Second)
}

func (s *EventServer) work(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case e := <-s.queue:
			s.dispatcher.Dispatch(ctx, e)
		}
	}
}

// ServeHTTP implements the contract: POST a JSON event, get 202 (accepted), 400 (invalid),
// 413 (too large), 429 (duplicate inside the window) or 503 (queue full, retry).
func (s *EventServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "only POST is supported", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			http.Error(w, fmt.Sprintf("event payload larger than %d bytes", MaxBodyBytes), http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "reading the request body failed", http.StatusBadRequest)
		return
	}
	e, err := decodeEvent(body)
	if err != nil {
		s.log.V(1).Info("rejected event", "error", err.Error())
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}

	key := eventKey(e)
	if !s.dedup.Add(key) {
		s.log.V(1).Info("duplicate event dropped", "kind", e.InvolvedObject.Kind,
			"name", e.InvolvedObject.Name, "namespace", e.InvolvedObject.Namespace, "reason", e.Reason)
		http.Error(w, "duplicate event inside the rate-limit interval", http.StatusTooManyRequests)
		return
	}
	cleanupMetadata(e)
	if e.Severity == eventv1.EventSeverityTrace {
		// Trace events are never meant for alerts; recorders do not even send them.
		w.WriteHeader(http.StatusAccepted)
		return
	}
	select {
	case s.queue <- e:
		w.WriteHeader(http.StatusAccepted)
	default:
		s.dedup.Forget(key) // let the retry through
		w.Header().Set("Retry-After", "1")
		http.Error(w, "event queue is full, retry later", http.StatusServiceUnavailable)
	}
}

// Pending is the number of accepted events waiting for a worker.
func (s *EventServer) Pending() int { return len(s.queue) }

// DedupLen is the number of remembered event keys.
func (s *EventServer) DedupLen() int { return s.dedup.Len() }
