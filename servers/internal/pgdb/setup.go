package pgdb

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// setup is one start-up attempt: the vector extension, then the migrations.
func (db *DB) setup(ctx context.Context) error {
	if err := db.ensureVector(ctx); err != nil {
		return err
	}
	if db.cfg.Migrations == nil {
		return nil
	}
	return db.migrate(ctx)
}

// ensureVector creates the vector extension when it is missing. It uses a
// connection of its own: pooled connections register the pgvector types
// when they open, which needs the extension to exist.
func (db *DB) ensureVector(ctx context.Context) error {
	conn, err := pgx.ConnectConfig(ctx, db.healthConf)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer closeQuietly(conn)

	var present bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'vector')").Scan(&present); err != nil {
		return fmt.Errorf("look up the vector extension: %w", err)
	}
	if present {
		return nil
	}
	_, err = conn.Exec(ctx, "CREATE EXTENSION IF NOT EXISTS vector")
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && (pgErr.Code == "23505" || pgErr.Code == "42710") {
		// Another process created it between the check and the statement.
		return nil
	}
	if err != nil {
		return fmt.Errorf("create the vector extension (install pgvector on the database server, "+
			"or have a superuser run CREATE EXTENSION vector in this database): %w", err)
	}
	db.log.Info("created the vector extension")
	return nil
}

// migrate applies the pending goose migrations, holding an advisory lock so
// that two processes starting together do not both apply them.
func (db *DB) migrate(ctx context.Context) error {
	sqlDB := stdlib.OpenDBFromPool(db.pool)
	defer sqlDB.Close()

	locker, err := lock.NewPostgresSessionLocker(
		lock.WithLockID(lockID(db.cfg.MigrationsTable)),
		lock.WithLockTimeout(1, 300), // Probe every second for five minutes.
	)
	if err != nil {
		return fmt.Errorf("migrations lock: %w", err)
	}
	provider, err := goose.NewProvider(goose.DialectPostgres, sqlDB, db.cfg.Migrations,
		goose.WithSessionLocker(locker),
		goose.WithTableName(db.cfg.MigrationsTable),
		goose.WithDisableGlobalRegistry(true),
		// goose's default logger writes to stdout, which over stdio is the
		// protocol's: log the results here instead.
		goose.WithLogger(goose.NopLogger()),
	)
	if err != nil {
		return fmt.Errorf("load migrations: %w", err)
	}
	results, err := provider.Up(ctx)
	for _, r := range results {
		if r.Error == nil {
			db.log.Info("applied migration", "migration", r.Source.Path, "took_ms", r.Duration.Milliseconds())
		}
	}
	if err != nil {
		return fmt.Errorf("apply migrations: %w", err)
	}
	return nil
}

// lockID derives the advisory lock key from the version table, so servers
// with their own tables do not wait for each other.
func lockID(table string) int64 {
	h := fnv.New64a()
	h.Write([]byte("pgdb migrations " + table))
	return int64(h.Sum64() >> 1)
}
