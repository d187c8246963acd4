package pgstore_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/perfgate/perfgate/internal/pgtest"
	"github.com/perfgate/perfgate/servers/codebase/embed"
	"github.com/perfgate/perfgate/servers/codebase/index"
	pgstore "github.com/perfgate/perfgate/servers/codebase/postgres"
	"github.com/perfgate/perfgate/servers/internal/pgdb"
)

// openDB opens a database of t's own with the store's migrations applied.
func openDB(t testing.TB) *pgdb.DB {
	t.Helper()
	url := os.Getenv("DEBUG_DB_URL")
	if url == "" {
		url = pgtest.URL(t)
	}
	db, err := pgdb.New(pgdb.Config{URL: url, Migrations: pgstore.Migrations(), MigrationsTable: pgstore.MigrationsTable, MaxConns: 8})
	if err != nil {
		t.Fatal(err)
	}
	db.Start()
	t.Cleanup(db.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := db.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	return db
}

// newEngine returns a store and an engine with the builtin embedder.
func newEngine(t testing.TB, cfg pgstore.Config, ecfg index.Config) (*pgstore.Store, *index.Engine) {
	t.Helper()
	st := pgstore.New(openDB(t), cfg)
	e, err := index.New(st, embed.NewBuiltin(embed.BuiltinConfig{}), ecfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := e.Shutdown(ctx); err != nil {
			t.Error(err)
		}
	})
	return st, e
}

// indexDir runs a job to its end and returns it; it fails the test unless
// the job ends in want.
func indexDir(t testing.TB, e *index.Engine, r index.Request, want index.JobState) index.Job {
	t.Helper()
	j, err := e.Submit(context.Background(), r, nil)
	if err != nil {
		t.Fatalf("submit: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	j, err = e.Wait(ctx, j.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if j.State != want {
		t.Fatalf("job %s: state %s (error %q), want %s; counts %+v", j.ID, j.State, j.Error, want, j.Counts)
	}
	return j
}

// writeFiles writes files (path -> content) under dir.
func writeFiles(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for p, c := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
