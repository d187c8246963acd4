package pgdb_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/pgvector/pgvector-go"

	"github.com/perfgate/perfgate/internal/pgtest"
	"github.com/perfgate/perfgate/servers/internal/pgcluster"
	"github.com/perfgate/perfgate/servers/internal/pgdb"
)

// slack is what a bounded wait may overrun its bound by on a busy machine.
const slack = time.Second

var migrations = fstest.MapFS{
	"00001_items.sql": {Data: []byte(`-- +goose Up
CREATE TABLE items (id bigserial PRIMARY KEY, embedding vector(3) NOT NULL);
-- +goose Down
DROP TABLE items;
`)},
}

func open(t *testing.T, cfg pgdb.Config) *pgdb.DB {
	t.Helper()
	db, err := pgdb.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	db.Start()
	return db
}

func waitReady(t *testing.T, db *pgdb.DB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if err := db.WaitReady(ctx); err != nil {
		t.Fatalf("WaitReady: %v", err)
	}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  pgdb.Config
		want string // substring of the error; "" for valid
	}{
		{"defaults", pgdb.Config{URL: "postgres://x@localhost/db"}, ""},
		{"no url", pgdb.Config{}, "DATABASE_URL"},
		{"negative pool", pgdb.Config{URL: "postgres://x@localhost/db", MaxConns: -1}, "at least 1"},
		{"negative acquire timeout", pgdb.Config{URL: "postgres://x@localhost/db", AcquireTimeout: -time.Second}, "acquire timeout"},
		{"backoff upside down", pgdb.Config{URL: "postgres://x@localhost/db", RetryMin: time.Minute, RetryMax: time.Second}, "backoff"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.cfg.WithDefaults().Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("Validate: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("Validate = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestNewRejectsBadURL(t *testing.T) {
	t.Parallel()
	if _, err := pgdb.New(pgdb.Config{URL: "postgres://user:secret@[::1"}); err == nil {
		t.Fatal("New accepted a malformed URL")
	} else if strings.Contains(err.Error(), "secret") {
		t.Fatalf("the error shows the password: %v", err)
	}
}

func TestMigrationsAndVectorTypes(t *testing.T) {
	t.Parallel()
	db := open(t, pgdb.Config{URL: pgtest.URL(t), Migrations: migrations, MigrationsTable: "test_versions"})
	waitReady(t, db)

	want := pgvector.NewVector([]float32{1, 2, 3})
	var got pgvector.Vector
	err := db.Do(t.Context(), func(conn *pgxpool.Conn) error {
		if _, err := conn.Exec(t.Context(), "INSERT INTO items (embedding) VALUES ($1)", want); err != nil {
			return err
		}
		return conn.QueryRow(t.Context(), "SELECT embedding FROM items").Scan(&got)
	})
	if err != nil {
		t.Fatal(err)
	}
	if got.String() != want.String() {
		t.Fatalf("read back %v, want %v", got, want)
	}
	var version int64
	err = db.Do(t.Context(), func(conn *pgxpool.Conn) error {
		return conn.QueryRow(t.Context(), "SELECT max(version_id) FROM test_versions").Scan(&version)
	})
	if err != nil || version != 1 {
		t.Fatalf("version table: version %d, err %v; want 1", version, err)
	}
}

// Two servers starting at once on one database both become ready, and the
// migrations run once.
func TestConcurrentStartUp(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	var wg sync.WaitGroup
	for range 3 {
		db := open(t, pgdb.Config{URL: url, Migrations: migrations})
		wg.Go(func() { waitReady(t, db) })
	}
	wg.Wait()
}

func TestFailingMigrationKeepsRetrying(t *testing.T) {
	t.Parallel()
	bad := fstest.MapFS{"00001_bad.sql": {Data: []byte("-- +goose Up\nCREATE TABLE broken (;\n")}}
	db := open(t, pgdb.Config{URL: pgtest.URL(t), Migrations: bad, RetryMin: 50 * time.Millisecond, RetryMax: 100 * time.Millisecond})

	// The first attempt may not have got as far as the migrations within
	// one window on a loaded machine; it never becomes ready, and once an
	// attempt has reached them the error names them.
	var err error
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); {
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		err = db.WaitReady(ctx)
		cancel()
		if err == nil || strings.Contains(err.Error(), "apply migrations") {
			break
		}
	}
	if !errors.Is(err, pgdb.ErrUnavailable) || !strings.Contains(err.Error(), "apply migrations") {
		t.Fatalf("WaitReady = %v, want ErrUnavailable naming the migrations", err)
	}
	if _, err := db.Ping(t.Context()); !errors.Is(err, pgdb.ErrUnavailable) {
		t.Fatalf("Ping = %v, want ErrUnavailable while start-up fails", err)
	}
	if _, err := db.Acquire(t.Context()); !errors.Is(err, pgdb.ErrUnavailable) {
		t.Fatalf("Acquire = %v, want ErrUnavailable", err)
	}
}

func TestBusy(t *testing.T) {
	t.Parallel()
	const timeout = 300 * time.Millisecond
	db := open(t, pgdb.Config{URL: pgtest.URL(t), MaxConns: 2, AcquireTimeout: timeout})
	waitReady(t, db)

	// Fill the pool. On a loaded machine opening a connection can outlast
	// the short acquire timeout: that acquire is busy, and the connection,
	// opened in the background, serves the next try.
	for held := 0; held < 2; {
		conn, err := db.Acquire(t.Context())
		if errors.Is(err, pgdb.ErrBusy) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Release()
		held++
	}
	before := db.Stats().BusyCount
	start := time.Now()
	_, err := db.Acquire(t.Context())
	took := time.Since(start)
	if !errors.Is(err, pgdb.ErrBusy) {
		t.Fatalf("Acquire on a full pool = %v, want ErrBusy", err)
	}
	if took > timeout+slack {
		t.Fatalf("ErrBusy came after %s, want within the acquire timeout %s", took, timeout)
	}
	var pe *pgdb.Error
	if !errors.As(err, &pe) || !strings.Contains(pe.UserMessage(), "retry") || pe.Kind() != "busy" {
		t.Fatalf("busy error %v: want a user message saying to retry, kind busy", err)
	}
	if st := db.Stats(); st.BusyCount != before+1 || st.AcquiredConns != 2 || st.UtilizationPercent() != 100 {
		t.Fatalf("stats %+v: want 1 more busy rejection than the %d before, 2 acquired, 100%% used", st, before)
	}
	// Ping uses a connection of its own: it answers with the pool full.
	if _, err := db.Ping(t.Context()); err != nil {
		t.Fatalf("Ping with a full pool: %v", err)
	}
}

func TestCanceledCallerGetsContextError(t *testing.T) {
	t.Parallel()
	db := open(t, pgdb.Config{URL: pgtest.URL(t), MaxConns: 1, AcquireTimeout: 10 * time.Second})
	waitReady(t, db)
	conn, err := db.Acquire(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if _, err := db.Acquire(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Acquire with the caller's deadline = %v, want context.DeadlineExceeded", err)
	}
}

func TestNotStartedAndClosed(t *testing.T) {
	t.Parallel()
	db, err := pgdb.New(pgdb.Config{URL: "postgres://postgres@127.0.0.1:1/x"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Acquire(t.Context()); !errors.Is(err, pgdb.ErrUnavailable) {
		t.Fatalf("Acquire before Start = %v, want ErrUnavailable", err)
	}
	db.Close()
	if _, err := db.Acquire(t.Context()); !errors.Is(err, pgdb.ErrUnavailable) {
		t.Fatalf("Acquire after Close = %v, want ErrUnavailable", err)
	}
	db.Close() // idempotent
}

func TestUnreachableAtStartUp(t *testing.T) {
	t.Parallel()
	const timeout = 500 * time.Millisecond
	db := open(t, pgdb.Config{URL: closedPortURL(t), AcquireTimeout: timeout, ConnectTimeout: time.Second})
	for range 3 {
		start := time.Now()
		_, err := db.Acquire(t.Context())
		if took := time.Since(start); took > timeout+slack {
			t.Fatalf("Acquire took %s, want within the acquire timeout %s", took, timeout)
		}
		if !errors.Is(err, pgdb.ErrUnavailable) {
			t.Fatalf("Acquire = %v, want ErrUnavailable", err)
		}
		if !strings.Contains(err.Error(), "connect") {
			t.Fatalf("error %q does not carry the cause", err)
		}
	}
	if _, err := db.Ping(t.Context()); !errors.Is(err, pgdb.ErrUnavailable) {
		t.Fatalf("Ping = %v, want ErrUnavailable", err)
	}
	if st := db.Stats(); st.Ready || st.UnavailableCount != 3 {
		t.Fatalf("stats %+v: want not ready, 3 unavailable rejections", st)
	}
}

// The database is down when the server starts; the first call once it
// accepts connections succeeds without waiting for the backoff.
func TestRecoversFromUnreachableStartUp(t *testing.T) {
	t.Parallel()
	c := pgcluster.New(t)
	c.Stop(t)
	db := open(t, pgdb.Config{URL: c.URL(), Migrations: migrations, AcquireTimeout: time.Second,
		RetryMin: time.Minute, RetryMax: time.Minute})
	if err := db.Do(t.Context(), ping); !errors.Is(err, pgdb.ErrUnavailable) {
		t.Fatalf("Do with the database down = %v, want ErrUnavailable", err)
	}
	c.Start(t)
	start := time.Now()
	if err := db.Do(t.Context(), ping); err != nil {
		t.Fatalf("first call after the database came up: %v", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("first call after the database came up took %s, want under 2s", took)
	}
}

// The database restarts under a ready server: calls fail fast and
// retryably meanwhile, and the first call after it is back succeeds.
func TestRecoversFromRestart(t *testing.T) {
	t.Parallel()
	const timeout = time.Second
	c := pgcluster.New(t)
	db := open(t, pgdb.Config{URL: c.URL(), MaxConns: 4, AcquireTimeout: timeout})
	waitReady(t, db)
	// Fill the pool with idle connections that the restart will break.
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if err := db.Do(t.Context(), func(conn *pgxpool.Conn) error {
				_, err := conn.Exec(t.Context(), "SELECT pg_sleep(0.05)")
				return err
			}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()

	c.Stop(t)
	for range 3 {
		start := time.Now()
		err := db.Do(t.Context(), ping)
		if !errors.Is(err, pgdb.ErrUnavailable) {
			t.Fatalf("Do during the outage = %v, want ErrUnavailable", err)
		}
		if took := time.Since(start); took > timeout+slack {
			t.Fatalf("Do during the outage took %s, want within the acquire timeout", took)
		}
	}
	if _, err := db.Ping(t.Context()); !errors.Is(err, pgdb.ErrUnavailable) {
		t.Fatalf("Ping during the outage = %v, want ErrUnavailable", err)
	}
	c.Start(t)
	start := time.Now()
	if err := db.Do(t.Context(), ping); err != nil {
		t.Fatalf("first call after the restart: %v", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("first call after the restart took %s, want under 2s", took)
	}
	if _, err := db.Ping(t.Context()); err != nil {
		t.Fatalf("Ping after the restart: %v", err)
	}
}

func ping(conn *pgxpool.Conn) error {
	var one int
	return conn.QueryRow(context.Background(), "SELECT 1").Scan(&one)
}

// closedPortURL names a port on which nothing listens.
func closedPortURL(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "postgres://postgres@" + addr + "/postgres?sslmode=disable&connect_timeout=1"
}
