package pgdb

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	pgxvec "github.com/pgvector/pgvector-go/pgx"
)

// DB is a pgxpool with a bounded acquire, a start-up that survives an
// unreachable database, and a dedicated health-check connection. It is safe
// for concurrent use.
type DB struct {
	cfg  Config
	log  *slog.Logger
	pool *pgxpool.Pool
	// healthConf opens the dedicated connection Ping uses, outside the pool.
	healthConf *pgx.ConnConfig

	startOnce sync.Once
	closeOnce sync.Once
	closed    atomic.Bool
	cancel    context.CancelFunc
	loopDone  chan struct{}
	kick      chan struct{}

	// ready is set once start-up (extension, migrations) has succeeded.
	ready atomic.Bool

	mu       sync.Mutex
	started  bool
	begun    uint64        // start-up attempts begun
	finished uint64        // start-up attempts finished
	lastErr  error         // of the last finished attempt
	changed  chan struct{} // closed and replaced when an attempt finishes

	pingSem    chan struct{} // serialises use of healthConn
	healthConn *pgx.Conn

	// reach tells whether the last attempt to connect succeeded: an acquire
	// that times out is busy when it did, unavailable when it failed.
	reach reachability

	busyCount        atomic.Int64
	unavailableCount atomic.Int64
	lastReset        atomic.Int64 // unix nanoseconds
}

// New validates cfg and prepares a DB. It does no I/O: call Start to begin
// connecting.
func New(cfg Config) (*DB, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	pc, err := pgxpool.ParseConfig(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("parse database URL: %w", err)
	}
	pc.MaxConns = cfg.MaxConns
	pc.MinConns = 0
	pc.PingTimeout = cfg.PingTimeout
	pc.ConnConfig.ConnectTimeout = cfg.ConnectTimeout
	if cfg.ApplicationName != "" {
		pc.ConnConfig.RuntimeParams["application_name"] = cfg.ApplicationName
	}
	db := &DB{
		cfg:        cfg,
		log:        cfg.Logger,
		healthConf: pc.ConnConfig.Copy(), // Ping records its own outcomes.
		loopDone:   make(chan struct{}),
		kick:       make(chan struct{}, 1),
		changed:    make(chan struct{}),
		pingSem:    make(chan struct{}, 1),
	}
	// Pooled connects report their failures, even those of a connect whose
	// acquire stopped waiting for it.
	pc.ConnConfig.Tracer = connectTracer{r: &db.reach}
	// Register the pgvector types on every pooled connection. Start creates
	// the extension before any pooled connection is made.
	pc.AfterConnect = func(ctx context.Context, conn *pgx.Conn) error {
		if err := pgxvec.RegisterTypes(ctx, conn); err != nil {
			err = fmt.Errorf("register pgvector types: %w", err)
			db.reach.failed(err)
			return err
		}
		db.reach.ok()
		return nil
	}
	pool, err := pgxpool.NewWithConfig(context.Background(), pc)
	if err != nil {
		return nil, fmt.Errorf("create pool: %w", err)
	}
	db.pool = pool
	return db, nil
}

// Config returns the configuration in effect, defaults filled in.
func (db *DB) Config() Config { return db.cfg }

// Start begins connecting in the background and returns at once: it creates
// the vector extension when missing, applies the migrations, and retries
// with exponential backoff until that succeeds or Close is called. Calls made
// meanwhile fail with ErrUnavailable within the acquire timeout. Start is
// idempotent.
func (db *DB) Start() {
	db.startOnce.Do(func() {
		if db.closed.Load() {
			close(db.loopDone)
			return
		}
		ctx, cancel := context.WithCancel(context.Background())
		db.cancel = cancel
		db.mu.Lock()
		db.started = true
		db.mu.Unlock()
		go db.connectLoop(ctx)
	})
}

// connectLoop runs start-up attempts until one succeeds.
func (db *DB) connectLoop(ctx context.Context) {
	defer close(db.loopDone)
	delay := db.cfg.RetryMin
	begin := time.Now()
	var logged string
	for attempt := 1; ; attempt++ {
		db.mu.Lock()
		db.begun++
		db.mu.Unlock()

		err := db.setup(ctx)

		db.mu.Lock()
		db.finished = db.begun
		db.lastErr = err
		if err == nil {
			db.reach.ok()
			db.ready.Store(true)
		}
		close(db.changed)
		db.changed = make(chan struct{})
		db.mu.Unlock()

		if err == nil {
			db.log.Info("database ready", "attempts", attempt, "took_ms", time.Since(begin).Milliseconds())
			return
		}
		if ctx.Err() != nil {
			return
		}
		// Log the first failure and every change of cause, not each retry.
		if msg := err.Error(); msg != logged {
			logged = msg
			db.log.Warn("database not ready; retrying in the background", "error", msg, "attempt", attempt, "retry_in", delay.String())
		}
		timer := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-timer.C:
		case <-db.kick:
			timer.Stop()
		}
		delay = min(2*delay, db.cfg.RetryMax)
	}
}

// triggerAttempt asks a waiting connect loop to try again now.
func (db *DB) triggerAttempt() {
	select {
	case db.kick <- struct{}{}:
	default:
	}
}

// Ready reports whether start-up has completed.
func (db *DB) Ready() bool { return db.ready.Load() }

// WaitReady blocks until start-up has completed, ctx is done, or DB is
// closed. It returns the last start-up error when ctx ends first.
func (db *DB) WaitReady(ctx context.Context) error {
	for {
		db.mu.Lock()
		ch, last := db.changed, db.lastErr
		db.mu.Unlock()
		if db.ready.Load() {
			return nil
		}
		if db.closed.Load() {
			return errClosed
		}
		select {
		case <-ch:
		case <-ctx.Done():
			if last != nil {
				return unavailableError(last)
			}
			return unavailableError(ctx.Err())
		}
	}
}

// awaitAttempt waits, until ctx ends, for a start-up attempt begun after
// this call to finish. It returns nil when the database is ready.
func (db *DB) awaitAttempt(ctx context.Context) error {
	db.mu.Lock()
	started := db.started
	target := db.begun + 1
	db.mu.Unlock()
	if db.closed.Load() {
		return errClosed
	}
	if !started {
		return notStartedError()
	}
	db.triggerAttempt()
	for {
		db.mu.Lock()
		ch, finished, last := db.changed, db.finished, db.lastErr
		db.mu.Unlock()
		if db.ready.Load() {
			return nil
		}
		if finished >= target {
			return unavailableError(last)
		}
		select {
		case <-ch:
		case <-ctx.Done():
			if last == nil {
				last = errors.New("start-up still in progress")
			}
			return unavailableError(last)
		}
	}
}

// Acquire returns a pooled connection, waiting at most the acquire timeout.
// Past it, the error is ErrBusy when the database is reachable (the last
// attempt to connect succeeded) and every connection stayed in use or was
// still being opened, and ErrUnavailable when connecting failed; before
// start-up has completed it is ErrUnavailable. A canceled ctx returns
// ctx.Err(). Release the connection when done; prefer Do, which also does
// that.
func (db *DB) Acquire(ctx context.Context) (*pgxpool.Conn, error) {
	if db.closed.Load() {
		return nil, errClosed
	}
	actx, cancel := context.WithTimeout(ctx, db.cfg.AcquireTimeout)
	defer cancel()
	if !db.ready.Load() {
		if err := db.awaitAttempt(actx); err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			db.unavailableCount.Add(1)
			return nil, err
		}
	}
	conn, err := db.pool.Acquire(actx)
	if err == nil {
		return conn, nil
	}
	switch {
	case ctx.Err() != nil:
		return nil, ctx.Err()
	case db.closed.Load():
		return nil, errClosed
	case actx.Err() != nil:
		// The wait ran out, either for a connection to come free or for one
		// being opened (pgxpool returns the context's error then, not the
		// connect's). Only a failed connect makes that an outage: a
		// database that answers but is slow to hand out connections is busy.
		if cause := db.reach.lastFailure(); cause != nil {
			db.unavailableCount.Add(1)
			return nil, unavailableError(fmt.Errorf("no connection within %s, and the last attempt to connect failed: %w",
				db.cfg.AcquireTimeout, cause))
		}
		st := db.pool.Stat()
		db.busyCount.Add(1)
		return nil, busyError(st.MaxConns(), st.ConstructingConns(), db.cfg.AcquireTimeout)
	default:
		db.unavailableCount.Add(1)
		db.resetPool()
		return nil, unavailableError(err)
	}
}

// Do acquires a connection (see Acquire), calls fn with it, and releases
// it. When fn fails because the connection broke, Do returns ErrUnavailable
// wrapping fn's error, so a call that loses the database mid-way is
// reported as retryable; fn's other errors are returned as they are.
func (db *DB) Do(ctx context.Context, fn func(*pgxpool.Conn) error) error {
	conn, err := db.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	return db.classify(ctx, conn, fn(conn))
}

// Tx runs fn in a transaction on a connection from Do: committed when fn
// returns nil, rolled back otherwise.
func (db *DB) Tx(ctx context.Context, fn func(pgx.Tx) error) error {
	return db.Do(ctx, func(conn *pgxpool.Conn) error {
		return pgx.BeginFunc(ctx, conn, fn)
	})
}

// classify turns err into ErrUnavailable when it came from a broken
// connection rather than from the statement.
func (db *DB) classify(ctx context.Context, conn *pgxpool.Conn, err error) error {
	if err == nil || ctx.Err() != nil {
		return err
	}
	var connectErr *pgconn.ConnectError
	if conn.Conn().IsClosed() || errors.As(err, &connectErr) {
		db.unavailableCount.Add(1)
		db.resetPool()
		return unavailableError(err)
	}
	return err
}

// resetPool closes the pool's idle connections after a failure that hints
// at a server restart, so the next call opens a fresh one rather than
// finding a dead one. It runs at most once a second.
func (db *DB) resetPool() {
	now := time.Now().UnixNano()
	last := db.lastReset.Load()
	if now-last < int64(time.Second) || !db.lastReset.CompareAndSwap(last, now) {
		return
	}
	db.pool.Reset()
}

// Ping checks the database over a dedicated connection outside the pool, so
// it answers when the pool is exhausted, within the ping timeout, and
// returns the round trip of the ping (connecting excluded). It fails with
// ErrUnavailable when the database is unreachable or start-up has not
// completed (then it also triggers a start-up attempt).
func (db *DB) Ping(ctx context.Context) (time.Duration, error) {
	if db.closed.Load() {
		return 0, errClosed
	}
	ctx, cancel := context.WithTimeout(ctx, db.cfg.PingTimeout)
	defer cancel()
	select {
	case db.pingSem <- struct{}{}:
	case <-ctx.Done():
		return 0, unavailableError(fmt.Errorf("ping: %w", ctx.Err()))
	}
	defer func() { <-db.pingSem }()

	if db.healthConn == nil || db.healthConn.IsClosed() {
		conn, err := pgx.ConnectConfig(ctx, db.healthConf)
		if err != nil {
			db.pingFailed(ctx, err)
			return 0, unavailableError(err)
		}
		db.healthConn = conn
	}
	start := time.Now()
	if err := db.healthConn.Ping(ctx); err != nil {
		closeQuietly(db.healthConn)
		db.healthConn = nil
		db.pingFailed(ctx, err)
		return 0, unavailableError(err)
	}
	rtt := time.Since(start)
	db.reach.ok()
	if !db.ready.Load() {
		db.triggerAttempt()
		db.mu.Lock()
		last := db.lastErr
		db.mu.Unlock()
		if last == nil {
			last = errors.New("start-up in progress")
		}
		return rtt, unavailableError(fmt.Errorf("start-up not complete: %w", last))
	}
	return rtt, nil
}

// pingFailed drops the pool's idle connections after a failed health check
// and records the failure, unless it was only the check's own deadline: a
// database that answers slowly is not an unreachable one.
func (db *DB) pingFailed(ctx context.Context, err error) {
	db.resetPool()
	if ctx.Err() == nil {
		db.reach.failed(err)
	}
}

// Close stops the start-up loop and closes every connection. It waits for
// acquired connections to be released: finish or cancel the calls first.
func (db *DB) Close() {
	db.closeOnce.Do(func() {
		db.closed.Store(true)
		db.Start() // A DB never started has no loop; this marks it done.
		if db.cancel != nil {
			db.cancel()
		}
		<-db.loopDone
		db.pingSem <- struct{}{}
		if db.healthConn != nil {
			closeQuietly(db.healthConn)
			db.healthConn = nil
		}
		<-db.pingSem
		db.pool.Close()
	})
}

func closeQuietly(conn *pgx.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = conn.Close(ctx)
}
