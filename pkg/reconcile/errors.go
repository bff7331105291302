package reconcile

import (
	"fmt"
	"time"
)

// Stalling is an error that only a change to the object's spec (or to something the user must
// fix, like a missing Secret key) can resolve. The object gets Stalled=True and is not retried
// until it changes.
type Stalling struct {
	Reason string
	Err    error
}

// Waiting is an error caused by something that will likely resolve itself: a dependency or
// source that is not ready yet. The object is retried after RequeueAfter, without backoff.
type Waiting struct {
	Reason       string
	Err          error
	RequeueAfter time.Duration
}

// Generic is a transient error (network, API server, remote server). The object is retried with
// the workqueue's exponential backoff.
type Generic struct {
	Reason string
	Err    error
}

// NewStalling returns a Stalling error with a formatted message.
func NewStalling(reason, format string, args ...any) *Stalling {
	return &Stalling{Reason: reason, Err: fmt.Errorf(format, args...)}
}

// NewWaiting returns a Waiting error with a formatted message.
func NewWaiting(reason string, after time.Duration, format string, args ...any) *Waiting {
	return &Waiting{Reason: reason, RequeueAfter: after, Err: fmt.Errorf(format, args...)}
}

// NewGeneric returns a Generic error with a formatted message.
func NewGeneric(reason, format string, args ...any) *Generic {
	return &Generic{Reason: reason, Err: fmt.Errorf(format, args...)}
}

func (e *Stalling) Error() string { return e.Err.Error() }
func (e *Stalling) Unwrap() error { return e.Err }
func (e *Waiting) Error() string  { return e.Err.Error() }
func (e *Waiting) Unwrap() error  { return e.Err }
func (e *Generic) Error() string  { return e.Err.Error() }
func (e *Generic) Unwrap() error  { return e.Err }
