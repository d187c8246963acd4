package github

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	gh "github.com/google/go-github/v93/github"
)

// Retry bounds how GitHub API calls are retried after a 5xx response or a
// network error. Other errors are not retried.
type Retry struct {
	// Attempts is the total number of tries, the first included.
	// Default 3.
	Attempts int
	// Delay is the wait before the second try; it doubles for each later
	// one. Default 1s.
	Delay time.Duration
}

// DefaultRetry is used for a zero Retry.
var DefaultRetry = Retry{Attempts: 3, Delay: time.Second}

func (r Retry) withDefaults() Retry {
	if r.Attempts <= 0 {
		r.Attempts = DefaultRetry.Attempts
	}
	if r.Delay <= 0 {
		r.Delay = DefaultRetry.Delay
	}
	return r
}

// do calls f until it succeeds, fails with an error that is not transient,
// the attempts are spent or ctx is done.
func (r Retry) do(ctx context.Context, f func() error) error {
	r = r.withDefaults()
	delay := r.Delay
	var err error
	for attempt := 1; ; attempt++ {
		err = f()
		if err == nil || !transient(ctx, err) || attempt == r.Attempts {
			return err
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return errors.Join(err, ctx.Err())
		case <-t.C:
		}
		delay *= 2
	}
}

// transient reports whether err is worth another try: a 5xx response or a
// network error, as long as ctx is still alive.
func transient(ctx context.Context, err error) bool {
	if ctx.Err() != nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	if e, ok := errors.AsType[*gh.ErrorResponse](err); ok {
		return e.Response != nil && e.Response.StatusCode >= http.StatusInternalServerError
	}
	if _, ok := errors.AsType[*url.Error](err); ok {
		return true
	}
	if _, ok := errors.AsType[net.Error](err); ok {
		return true
	}
	return false
}

// ErrNoWriteAccess is returned when GitHub refuses the comment because the
// token may not write to the pull request: the read-only token of a fork's
// pull_request run, or a workflow without `pull-requests: write`.
var ErrNoWriteAccess = errors.New("the token cannot write pull request comments")

// noAccess reports whether err is GitHub refusing the token (403 or 404
// that is not a rate limit), which retrying cannot fix.
func noAccess(err error) bool {
	if _, ok := errors.AsType[*gh.RateLimitError](err); ok {
		return false
	}
	if _, ok := errors.AsType[*gh.AbuseRateLimitError](err); ok {
		return false
	}
	e, ok := errors.AsType[*gh.ErrorResponse](err)
	if !ok || e.Response == nil {
		return false
	}
	switch e.Response.StatusCode {
	case http.StatusForbidden, http.StatusNotFound:
		return true
	}
	return false
}

// scrubbed is an error whose message has the token replaced by ***. It
// unwraps to the original so callers can still match sentinels.
type scrubbed struct {
	msg string
	err error
}

func (e *scrubbed) Error() string { return e.msg }
func (e *scrubbed) Unwrap() error { return e.err }

// scrub returns err with every occurrence of secret in its message
// replaced by ***.
func scrub(err error, secret string) error {
	if err == nil || secret == "" {
		return err
	}
	msg := err.Error()
	if !strings.Contains(msg, secret) {
		return err
	}
	return &scrubbed{msg: strings.ReplaceAll(msg, secret, "***"), err: err}
}
