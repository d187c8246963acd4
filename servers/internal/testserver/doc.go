// Package testserver is a small MCP server built on the runtime, to test
// the runtime for real: its tests start it over HTTP, over stdio and as a
// process, against a real Postgres, and scripts/conformance.sh runs the
// MCP conformance suite against it (cmd/mcp-testserver).
//
// Its tools exercise each path of the runtime:
//
//   - echo answers without the database (and with a user error for an
//     empty message), so it works while Postgres is down;
//   - sleep_query holds a pool connection for the given time with
//     pg_sleep, to fill the pool and see the busy error;
//   - record_note inserts a row into the table its migration creates; a
//     note over 200 characters fails in Postgres, the internal error path.
//
// # Example
//
//	cfg := testserver.Config() // the defaults, migrations included
//	cfg.Transport, cfg.Addr = mcpserver.TransportHTTP, "127.0.0.1:0"
//	cfg.DB.URL = pgtest.URL(t)
//	srv, err := testserver.New(cfg, mcpserver.Options{Logger: logger})
//	if err != nil {
//		t.Fatal(err)
//	}
//	ln, err := srv.Listen()
//	// ...
//	go srv.Serve(ctx, ln)
package testserver
