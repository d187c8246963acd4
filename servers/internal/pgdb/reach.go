package pgdb

import (
	"context"
	"sync"

	"github.com/jackc/pgx/v5"
)

// reachability remembers how the last attempt to reach the database ended:
// a new pooled connection opened or failed to, or the health check's
// connection answered or failed to. It is what tells a busy pool from an
// unreachable database when an acquire times out while the pool is still
// opening a connection: pgxpool then returns the acquire's context error
// whatever became of the connect, so the pool's figures alone cannot tell.
type reachability struct {
	mu      sync.Mutex
	lastErr error // nil after a success (and before any attempt)
}

// ok records that the database answered.
func (r *reachability) ok() {
	r.mu.Lock()
	r.lastErr = nil
	r.mu.Unlock()
}

// failed records that connecting failed with err.
func (r *reachability) failed(err error) {
	r.mu.Lock()
	r.lastErr = err
	r.mu.Unlock()
}

// lastFailure returns the error of the last attempt when it failed, nil
// when it succeeded.
func (r *reachability) lastFailure() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lastErr
}

// connectTracer reports the failures of the pool's connects to a
// reachability, including those of connects whose acquire already gave up
// waiting (pgxpool finishes them in the background and drops their errors).
// Successes are reported by AfterConnect, once the connection is usable.
// pgx takes tracers as QueryTracer, so it also has no-op query hooks.
type connectTracer struct{ r *reachability }

var (
	_ pgx.QueryTracer   = connectTracer{}
	_ pgx.ConnectTracer = connectTracer{}
)

func (t connectTracer) TraceConnectStart(ctx context.Context, _ pgx.TraceConnectStartData) context.Context {
	return ctx
}

func (t connectTracer) TraceConnectEnd(_ context.Context, data pgx.TraceConnectEndData) {
	if data.Err != nil {
		t.r.failed(data.Err)
	}
}

func (connectTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	return ctx
}

func (connectTracer) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}
