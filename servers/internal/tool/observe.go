package tool

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"runtime/debug"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// Recorder receives the start and end of every call, e.g. for metrics.
type Recorder interface {
	CallStarted(tool string)
	CallFinished(tool, outcome string, latency time.Duration)
}

// call is the state one call shares between Observe and Add's handler.
type call struct {
	id      string
	outcome string // one of the Outcome constants; "" until known
	err     error  // the cause, for the log; nil on success
	request *mcp.CallToolRequest
}

type callKey struct{}

func callFrom(ctx context.Context) *call {
	c, _ := ctx.Value(callKey{}).(*call)
	return c
}

// RequestID returns the id of the call ctx belongs to, as it appears in the
// call's log line and in internal error messages, or "" outside a call.
func RequestID(ctx context.Context) string {
	if c := callFrom(ctx); c != nil {
		return c.id
	}
	return ""
}

// newRequestID returns 16 random hex digits. A request id only has to be
// unique enough to find a call's log line, not unguessable: it comes from
// the runtime's per-thread generator, which costs no system call.
func newRequestID() string {
	var b [16]byte
	hex.Encode(b[:], binary.LittleEndian.AppendUint64(make([]byte, 0, 8), rand.Uint64()))
	return string(b[:])
}

// Observe returns the middleware that gives every call a request id, and
// after it writes one log line (request_id, tool, latency_ms, outcome, and
// error when there is one; never the arguments) and reports it to rec.
// It also turns what a handler not built by Add might do — return an
// error, panic — into tool errors like Add's.
//
// Install it once, outermost: server.WithToolHandlerMiddleware(tool.Observe(logger, m)).
func Observe(logger *slog.Logger, rec Recorder) server.ToolHandlerMiddleware {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return func(next server.ToolHandlerFunc) server.ToolHandlerFunc {
		return func(ctx context.Context, req mcp.CallToolRequest) (res *mcp.CallToolResult, err error) {
			name := req.Params.Name
			c := &call{id: newRequestID()}
			ctx = context.WithValue(ctx, callKey{}, c)
			if rec != nil {
				rec.CallStarted(name)
			}
			start := time.Now()
			defer func() {
				if p := recover(); p != nil {
					res, err = c.fail(ctx, fmt.Errorf("panic: %v\n%s", p, debug.Stack())), nil
				}
				latency := time.Since(start)
				if rec != nil {
					rec.CallFinished(name, c.outcome, latency)
				}
				logCall(ctx, logger, name, c, latency)
			}()

			res, err = next(ctx, req)
			switch {
			case err != nil:
				res, err = c.fail(ctx, err), nil
			case res == nil:
				res = c.fail(ctx, fmt.Errorf("tool %s returned no result", name))
			case c.outcome == "" && res.IsError:
				c.outcome = OutcomeToolError
				c.err = fmt.Errorf("%s", resultText(res))
			case c.outcome == "":
				c.outcome = OutcomeOK
			}
			return res, err
		}
	}
}

func logCall(ctx context.Context, logger *slog.Logger, name string, c *call, latency time.Duration) {
	level := slog.LevelInfo
	switch c.outcome {
	case OutcomeBusy, OutcomeUnavailable, OutcomeRetryable:
		level = slog.LevelWarn
	case OutcomeInternal:
		level = slog.LevelError
	}
	if !logger.Enabled(ctx, level) {
		return
	}
	attrs := []slog.Attr{
		slog.String("request_id", c.id),
		slog.String("tool", name),
		slog.Float64("latency_ms", math.Round(float64(latency.Microseconds()))/1000),
		slog.String("outcome", c.outcome),
	}
	if c.err != nil {
		attrs = append(attrs, slog.String("error", c.err.Error()))
	}
	logger.LogAttrs(ctx, level, "tool call", attrs...)
}

// resultText is the text content of an error result, for the log.
func resultText(res *mcp.CallToolResult) string {
	for _, content := range res.Content {
		if t, ok := content.(mcp.TextContent); ok {
			return t.Text
		}
	}
	return "error result without text"
}
