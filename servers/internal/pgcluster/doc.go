// Package pgcluster runs a throwaway PostgreSQL cluster that a test can stop
// and start again, to inject a database outage. Tests that only need a
// database use internal/pgtest instead.
//
// The cluster comes from the machine's own binaries ($PG_BIN, `pg_config
// --bindir`, or the newest /usr/lib/postgresql/*/bin): initdb into a
// temporary directory, trust authentication, user postgres, a free port on
// 127.0.0.1. As root, the binaries run as the postgres user. Without the
// binaries the test is skipped, or fails when $CI is "true".
//
// # Example
//
//	func TestOutage(t *testing.T) {
//		c := pgcluster.New(t) // started; stopped and deleted at cleanup
//		srv := startServer(t, c.URL())
//		c.Stop(t)
//		// calls fail with a retryable error...
//		c.Start(t)
//		// ...and succeed again.
//		c.Kill(t) // kill -9 of the postmaster, as a crash
//		c.Start(t) // crash recovery
//	}
package pgcluster
