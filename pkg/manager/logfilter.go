package manager

import (
	"context"
	"errors"

	"github.com/go-logr/logr"
)

// clientGoBodyReadError is what client-go (rest.Request) logs, at error level, when reading a
// response body fails for a reason it does not recognise.
const clientGoBodyReadError = "Unexpected error when reading response body"

// quietCancelledReads returns log with client-go's body-read error demoted to a V(1) message
// when the error is a cancelled context. Requests are cancelled on purpose: fluxcd/pkg/ssa
// cancels the applies still in flight once one of a set failed (a namespace being deleted
// refuses them all), and every caller gets the cancellation as its own error anyway. Logged at
// error level, each cancelled request looked like a failure of its own. Every other error,
// including other body-read errors, is logged unchanged.
func quietCancelledReads(log logr.Logger) logr.Logger {
	sink := log.GetSink()
	if sink == nil {
		return log
	}
	if cd, ok := sink.(logr.CallDepthLogSink); ok {
		sink = cd.WithCallDepth(1) // this wrapper's frame
	}
	return log.WithSink(cancelledReadSink{sink})
}

type cancelledReadSink struct{ logr.LogSink }

func (s cancelledReadSink) Error(err error, msg string, keysAndValues ...any) {
	if msg == clientGoBodyReadError && errors.Is(err, context.Canceled) {
		if s.LogSink.Enabled(1) {
			s.LogSink.Info(1, msg+" (request cancelled)", keysAndValues...)
		}
		return
	}
	s.LogSink.Error(err, msg, keysAndValues...)
}

func (s cancelledReadSink) WithValues(keysAndValues ...any) logr.LogSink {
	return cancelledReadSink{s.LogSink.WithValues(keysAndValues...)}
}

func (s cancelledReadSink) WithName(name string) logr.LogSink {
	return cancelledReadSink{s.LogSink.WithName(name)}
}

// WithCallDepth keeps callers right when logr asks for more depth (logr.CallDepthLogSink).
func (s cancelledReadSink) WithCallDepth(depth int) logr.LogSink {
	if cd, ok := s.LogSink.(logr.CallDepthLogSink); ok {
		return cancelledReadSink{cd.WithCallDepth(depth)}
	}
	return s
}
