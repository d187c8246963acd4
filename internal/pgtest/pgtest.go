package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	pgxvec "github.com/pgvector/pgvector-go/pgx"
)

const (
	// EnvURL names the variable that points the tests at a server.
	EnvURL = "TEST_DATABASE_URL"

	// templateName is the database every test database is copied from. It
	// holds the vector extension; bump the suffix when its content changes.
	templateName = "pgtest_template_v1"
	// templateLock is the advisory lock key that serialises creating the
	// template across test processes.
	templateLock = int64(0x70677465_73740001)
	// setupTimeout bounds each administrative statement.
	setupTimeout = 2 * time.Minute
)

// ServerURL returns $TEST_DATABASE_URL. When it is unset, it skips the test,
// or fails it when $CI is "true": in CI a storage test must never be
// skipped.
func ServerURL(t testing.TB) string {
	t.Helper()
	return serverURL(t, os.Getenv)
}

func serverURL(t testing.TB, getenv func(string) string) string {
	t.Helper()
	if u := getenv(EnvURL); u != "" {
		return u
	}
	if getenv("CI") == "true" {
		t.Fatalf("%s is not set, and CI=true: storage tests must not be skipped in CI (make test starts a server; or run: perfgate postgres start)", EnvURL)
	}
	t.Skipf("%s is not set: skipping a test that needs PostgreSQL (make test provides one)", EnvURL)
	return ""
}

// admin is the package's one administrative pool on $TEST_DATABASE_URL.
var admin struct {
	once sync.Once
	pool *pgxpool.Pool
	err  error
}

func adminPool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	server := ServerURL(t)
	admin.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
		defer cancel()
		admin.pool, admin.err = pgxpool.New(ctx, server)
		if admin.err != nil {
			admin.err = fmt.Errorf("connect %s: %w", EnvURL, admin.err)
			return
		}
		admin.err = ensureTemplate(ctx, admin.pool, server)
	})
	if admin.err != nil {
		t.Fatalf("pgtest: %v", admin.err)
	}
	return admin.pool
}

// ensureTemplate creates the template database once per server. An
// advisory lock makes concurrent test processes wait for the first; the
// template is built under another name and renamed, so that a crash never
// leaves a half-made template behind.
func ensureTemplate(ctx context.Context, pool *pgxpool.Pool, server string) error {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("acquire: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", templateLock); err != nil {
		return fmt.Errorf("lock template: %w", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", templateLock)

	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", templateName).Scan(&exists); err != nil {
		return fmt.Errorf("look up template: %w", err)
	}
	if exists {
		return nil
	}
	building := templateName + "_building"
	for _, sql := range []string{
		"DROP DATABASE IF EXISTS " + ident(building) + " WITH (FORCE)",
		"CREATE DATABASE " + ident(building) + " TEMPLATE template0",
	} {
		if _, err := conn.Exec(ctx, sql); err != nil {
			return fmt.Errorf("create template: %w", err)
		}
	}
	c, err := pgx.Connect(ctx, withDatabase(server, building))
	if err != nil {
		return fmt.Errorf("connect to template: %w", err)
	}
	_, err = c.Exec(ctx, "CREATE EXTENSION IF NOT EXISTS vector")
	c.Close(ctx)
	if err != nil {
		return fmt.Errorf("create extension vector in the template (run scripts/setup.sh to install pgvector): %w", err)
	}
	for _, sql := range []string{
		"ALTER DATABASE " + ident(building) + " RENAME TO " + ident(templateName),
		"ALTER DATABASE " + ident(templateName) + " IS_TEMPLATE true",
	} {
		if _, err := conn.Exec(ctx, sql); err != nil {
			return fmt.Errorf("finish template: %w", err)
		}
	}
	return nil
}

// database is one test's database, created on first use.
type database struct {
	once sync.Once
	url  string

	poolOnce sync.Once
	pool     *pgxpool.Pool
}

var tests struct {
	mu sync.Mutex
	m  map[testing.TB]*database
}

func databaseOf(t testing.TB) *database {
	t.Helper()
	tests.mu.Lock()
	d := tests.m[t]
	if d == nil {
		if tests.m == nil {
			tests.m = make(map[testing.TB]*database)
		}
		d = &database{}
		tests.m[t] = d
		t.Cleanup(func() {
			tests.mu.Lock()
			delete(tests.m, t)
			tests.mu.Unlock()
		})
	}
	tests.mu.Unlock()
	d.once.Do(func() { d.url = createDatabase(t) })
	if d.url == "" {
		t.Fatal("pgtest: this test's database could not be created")
	}
	return d
}

// URL returns the connection string of a database of t's own, copied from a
// template that has the vector extension, and dropped when t ends. Every
// call with the same t returns the same database; subtests get their own.
// Without $TEST_DATABASE_URL, it skips t (fails it when CI=true).
func URL(t testing.TB) string {
	t.Helper()
	return databaseOf(t).url
}

// Pool returns a pool on t's database (the one URL returns) with pgvector's
// types registered on every connection, closed when t ends.
func Pool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	d := databaseOf(t)
	var err error
	d.poolOnce.Do(func() {
		cfg, perr := pgxpool.ParseConfig(d.url)
		if perr != nil {
			err = fmt.Errorf("parse url: %w", perr)
			return
		}
		cfg.AfterConnect = pgxvec.RegisterTypes
		ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
		defer cancel()
		d.pool, err = pgxpool.NewWithConfig(ctx, cfg)
		if err != nil {
			return
		}
		t.Cleanup(d.pool.Close)
	})
	if err != nil {
		t.Fatalf("pgtest: pool: %v", err)
	}
	if d.pool == nil {
		t.Fatal("pgtest: this test's pool could not be created")
	}
	return d.pool
}

// createDatabase copies the template into a new database for t and drops it
// when t ends. It returns "" after reporting a failure.
func createDatabase(t testing.TB) string {
	t.Helper()
	pool := adminPool(t)
	name := databaseName(t.Name())
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	sql := "CREATE DATABASE " + ident(name) + " TEMPLATE " + ident(templateName)
	for attempt := 1; ; attempt++ {
		_, err := pool.Exec(ctx, sql)
		if err == nil {
			break
		}
		// 55006: the template is briefly in use, e.g. while it is created.
		if pgErr, ok := errors.AsType[*pgconn.PgError](err); ok && pgErr.Code == "55006" && attempt < 10 {
			time.Sleep(time.Duration(attempt) * 100 * time.Millisecond)
			continue
		}
		t.Errorf("pgtest: create database %s: %v", name, err)
		return ""
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
		defer cancel()
		if _, err := pool.Exec(ctx, "DROP DATABASE IF EXISTS "+ident(name)+" WITH (FORCE)"); err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	return withDatabase(ServerURL(t), name)
}

// databaseName makes a unique, valid database name that hints at the test.
func databaseName(test string) string {
	var b strings.Builder
	b.WriteString("pgtest_")
	for _, r := range strings.ToLower(test) {
		if b.Len() >= 40 {
			break
		}
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	var random [6]byte
	_, _ = rand.Read(random[:])
	b.WriteByte('_')
	b.WriteString(hex.EncodeToString(random[:]))
	return b.String()
}

// withDatabase returns the connection string server with its database
// replaced by name, in URL or keyword/value form.
func withDatabase(server, name string) string {
	if strings.HasPrefix(server, "postgres://") || strings.HasPrefix(server, "postgresql://") {
		u, err := url.Parse(server)
		if err == nil {
			u.Path, u.RawPath = "/"+name, ""
			return u.String()
		}
	}
	// In keyword/value form the last occurrence of a keyword wins.
	return server + " dbname=" + name
}

func ident(name string) string {
	return pgx.Identifier{name}.Sanitize()
}
