// Package pgdb is the servers' PostgreSQL access: a pgxpool with pgvector's
// types registered on every connection, goose migrations from an embedded
// file system applied at start-up, a bounded wait for a connection, and a
// start-up that survives an unreachable database.
//
// The failure behaviour is the point of the package:
//
//   - New does no I/O; Start connects in the background. While the database
//     is unreachable, or the vector extension or a migration fails, Start
//     keeps retrying with exponential backoff, and calls fail within the
//     acquire timeout with ErrUnavailable. A call that finds the database
//     not ready triggers an attempt at once, so the first call after the
//     database comes back succeeds without waiting out the backoff.
//   - Acquire waits at most Config.AcquireTimeout (default 2s). When every
//     connection stayed in use, or was still being opened by a database
//     that answers, it fails with ErrBusy; when the last attempt to connect
//     failed, with ErrUnavailable; never a hang.
//   - Do and Tx report a call that loses its connection mid-way (a server
//     restart, a network failure) as ErrUnavailable, and drop the pool's
//     idle connections so the next call opens a fresh one.
//   - Ping checks the database on a connection of its own, within
//     Config.PingTimeout, so health checks answer when the pool is full.
//
// The errors are *Error values: errors.Is matches ErrBusy or ErrUnavailable,
// Error() carries the cause for logs, and UserMessage says what happened
// and to retry, without internals. The tool package shows that message to
// the caller and marks the call retryable.
//
// # Example
//
//	//go:embed migrations/*.sql
//	var migrationFiles embed.FS
//
//	func openStore(url string, logger *slog.Logger) (*pgdb.DB, error) {
//		sub, err := fs.Sub(migrationFiles, "migrations")
//		if err != nil {
//			return nil, err
//		}
//		db, err := pgdb.New(pgdb.Config{
//			URL:             url,
//			MaxConns:        10,
//			AcquireTimeout:  2 * time.Second,
//			Migrations:      sub,
//			MigrationsTable: "workflow_goose_version",
//			Logger:          logger,
//		})
//		if err != nil {
//			return nil, err // a bad URL or setting; nothing was dialled
//		}
//		db.Start()
//		return db, nil
//	}
//
//	func countItems(ctx context.Context, db *pgdb.DB) (n int64, err error) {
//		err = db.Do(ctx, func(conn *pgxpool.Conn) error {
//			return conn.QueryRow(ctx, "SELECT count(*) FROM items").Scan(&n)
//		})
//		// errors.Is(err, pgdb.ErrBusy) or pgdb.ErrUnavailable: retry later.
//		return n, err
//	}
package pgdb
