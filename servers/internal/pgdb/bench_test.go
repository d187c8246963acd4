package pgdb_test

import (
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/perfgate/perfgate/internal/pgtest"
	"github.com/perfgate/perfgate/servers/internal/pgdb"
)

// BenchmarkDo is the cost a call pays to the pool: acquire, one trivial
// statement, release.
func BenchmarkDo(b *testing.B) {
	db, err := pgdb.New(pgdb.Config{URL: pgtest.URL(b), MaxConns: 4})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(db.Close)
	db.Start()
	if err := db.WaitReady(b.Context()); err != nil {
		b.Fatal(err)
	}
	ctx := b.Context()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := db.Do(ctx, func(conn *pgxpool.Conn) error {
				var one int
				return conn.QueryRow(ctx, "SELECT 1").Scan(&one)
			}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
