package tool

import (
	"context"
	"errors"
	"fmt"
)

// Outcomes of a call, as they appear in the log line's "outcome" field and
// in the metrics' outcome label.
const (
	OutcomeOK          = "ok"
	OutcomeInvalid     = "invalid_arguments" // the arguments broke the input schema
	OutcomeUserError   = "user_error"        // a UserError: the caller can fix it
	OutcomeToolError   = "tool_error"        // an isError result built by hand
	OutcomeBusy        = "busy"              // retryable: the server is saturated
	OutcomeUnavailable = "unavailable"       // retryable: a dependency is down
	OutcomeRetryable   = "retryable"         // retryable, of another kind
	OutcomeCanceled    = "canceled"          // the caller went away
	OutcomeInternal    = "internal_error"    // a bug or an unexpected failure
)

// UserError is a failure the caller can fix. Its message is shown as the
// tool result (isError) and must say what to do, e.g. `project "x" does not
// exist: call list_projects for the names, or create_project`.
type UserError struct {
	Message string
}

// Error returns the message.
func (e *UserError) Error() string { return e.Message }

// UserMessage returns the message meant for the caller.
func (e *UserError) UserMessage() string { return e.Message }

// Errorf returns a *UserError with a formatted message. Only the message is
// shown to the caller, so it may not wrap another error (%w): use %v with
// care, nothing internal belongs in it.
func Errorf(format string, args ...any) error {
	return &UserError{Message: fmt.Sprintf(format, args...)}
}

// The interfaces below are how errors from other packages (pgdb's ErrBusy
// and ErrUnavailable, for one) tell the tool plumbing what the caller may
// see, without importing it.

// userMessager is an error with a message meant for the caller.
type userMessager interface {
	error
	UserMessage() string
}

// retryable is an error after which the same call can succeed later.
type retryable interface {
	error
	Retryable() bool
}

// kinded names its outcome, e.g. "busy".
type kinded interface {
	error
	Kind() string
}

// classify returns the outcome of err and the message the caller is shown.
// requestID goes into the message of internal errors, to find the log line.
func classify(ctx context.Context, err error, requestID string) (outcome, message string) {
	var um userMessager
	hasMessage := errors.As(err, &um)

	var r retryable
	if errors.As(err, &r) && r.Retryable() {
		outcome = OutcomeRetryable
		var k kinded
		if errors.As(err, &k) {
			switch k.Kind() {
			case "busy":
				outcome = OutcomeBusy
			case "unavailable":
				outcome = OutcomeUnavailable
			}
		}
		message = "temporary failure: retry in a few seconds"
		if hasMessage {
			message = um.UserMessage()
		}
		return outcome, message
	}
	if hasMessage {
		return OutcomeUserError, um.UserMessage()
	}
	if ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		return OutcomeCanceled, "the call was canceled before it completed"
	}
	return OutcomeInternal, fmt.Sprintf("internal error (request id %s)", requestID)
}
