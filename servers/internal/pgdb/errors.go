package pgdb

import (
	"errors"
	"fmt"
	"time"
)

// ErrBusy is the sentinel for an acquire that waited the whole acquire
// timeout while every connection of the pool was in use or still being
// opened, the database being reachable. Retrying later can succeed. Test
// for it with errors.Is.
var ErrBusy = errors.New("database busy")

// ErrUnavailable is the sentinel for a database the server cannot use right
// now: it is unreachable, it went away during a call, or start-up (the vector
// extension, the migrations) has not completed yet. The server keeps
// reconnecting in the background; retrying later can succeed. Test for it
// with errors.Is.
var ErrUnavailable = errors.New("database unavailable")

// Error is the error a DB returns for ErrBusy and ErrUnavailable. Error()
// carries the cause, for logs; UserMessage is what a caller of the server is
// shown: what happened and what to do, without internals.
type Error struct {
	sentinel error
	message  string
	cause    error
}

// Error returns the user message followed by the cause, for logs.
func (e *Error) Error() string {
	if e.cause == nil {
		return e.message
	}
	return e.message + ": " + e.cause.Error()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.cause }

// Is reports whether target is the sentinel this error stands for.
func (e *Error) Is(target error) bool { return target == e.sentinel }

// UserMessage returns the message meant for the caller of a tool.
func (e *Error) UserMessage() string { return e.message }

// Retryable reports that the same call can succeed later.
func (e *Error) Retryable() bool { return true }

// Kind names the failure for metrics and logs: "busy" or "unavailable".
func (e *Error) Kind() string {
	if e.sentinel == ErrBusy {
		return "busy"
	}
	return "unavailable"
}

// busyError says that no connection came free within waited; opening is
// how many connections the pool was still opening then.
func busyError(maxConns, opening int32, waited time.Duration) error {
	what := fmt.Sprintf("all %d database connections stayed in use", maxConns)
	if opening > 0 {
		what = fmt.Sprintf("all %d database connections stayed in use (%d of them still opening)", maxConns, opening)
	}
	return &Error{
		sentinel: ErrBusy,
		message:  fmt.Sprintf("the server is busy: %s for %s; retry in a few seconds", what, waited.Round(time.Millisecond)),
	}
}

func unavailableError(cause error) error {
	return &Error{
		sentinel: ErrUnavailable,
		message:  "the database is unavailable; the server keeps reconnecting in the background: retry in a few seconds",
		cause:    cause,
	}
}

func notStartedError() error {
	return &Error{
		sentinel: ErrUnavailable,
		message:  "the database is not connected yet: retry in a few seconds",
		cause:    errors.New("pgdb: Start has not been called"),
	}
}

var errClosed = &Error{
	sentinel: ErrUnavailable,
	message:  "the server is shutting down: retry against a running server",
	cause:    errors.New("pgdb: closed"),
}
