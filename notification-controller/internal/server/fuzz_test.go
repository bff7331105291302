package server

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	eventv1 "github.com/fluxcd/pkg/apis/event/v1beta1"
	"github.com/go-logr/logr"
)

type discard struct{}

func (discard) Dispatch(_ context.Context, _ *eventv1.Event) {}

// FuzzEventHandler feeds arbitrary bodies to the handler. Whatever the input, the server must
// answer one of the documented codes, never panic, and dispatch only valid events with clean
// metadata. `go test` runs the seed corpus; `go test -fuzz FuzzEventHandler` explores further.
func FuzzEventHandler(f *testing.F) {
	valid, _ := json.Marshal(validEvent())
	for _, seed := range []string{
		string(valid),
		"",
		"{}",
		"null",
		"[]",
		`{"involvedObject":{"kind":"GitRepository","name":"x","namespace":"y","apiVersion":"source.toolkit.fluxcd.io/v1"},"severity":"error","message":"m","reason":"r","reportingController":"c","metadata":{"source.toolkit.fluxcd.io/token":"t","other/x":"y"}}`,
		`{"involvedObject":{"kind":"K","name":"n","namespace":"ns","apiVersion":"v1"},"severity":"info","message":"m","reason":"r","reportingController":"c","timestamp":"not a time"}`,
		`{"severity":"trace"}`,
		strings.Repeat("[", 10000),
		"\x00\xff",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		s := New(Options{RateLimitInterval: time.Minute, QueueSize: 1, Log: logr.Discard()}, discard{})
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/", strings.NewReader(string(body))))
		switch rec.Code {
		case http.StatusAccepted, http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusServiceUnavailable:
		default:
			t.Fatalf("unexpected status %d for %q", rec.Code, body)
		}
		if rec.Code != http.StatusAccepted || len(s.queue) == 0 {
			return
		}
		e := <-s.queue
		if err := validateEvent(e); err != nil {
			t.Fatalf("dispatched an invalid event: %v", err)
		}
		group := objectGroup(e)
		for k := range e.Metadata {
			keep := strings.HasPrefix(k, eventv1.Group+"/") || (group != "" && strings.HasPrefix(k, group+"/"))
			if !keep || k == group+"/token" || k == group+"/digest" || k == group+"/checksum" {
				t.Fatalf("metadata key %q survived the cleanup", k)
			}
		}
	})
}
