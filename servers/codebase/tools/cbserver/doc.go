// Package cbserver assembles codebase-mcp: the MCP runtime of
// servers/internal with the PostgreSQL store, the indexing engine, the
// embedder and the tools, and runs it (Main, for cmd/codebase-mcp). Main
// also runs the subcommands: index (MainIndex: one repository, synchronously,
// progress on stderr, counts on stdout) and eval (MainEval: search quality).
//
// Shutdown is ordered: on SIGTERM, or when a stdio client closes stdin,
// the engine first stops its jobs (failed with "server stopped during
// indexing", their writes undone), then the runtime finishes the calls in
// flight and closes the database. At start-up, once the database is ready,
// the jobs a server left running are failed with the same reason.
//
// Example:
//
//	cfg := cbserver.Config()
//	cfg.Transport = mcpserver.TransportHTTP
//	cfg.DB.URL = os.Getenv("DATABASE_URL")
//	srv, err := cbserver.New(cfg, mcpserver.Options{Logger: logger}, cbserver.Options{Roots: []string{"/src"}})
//	if err != nil {
//		return err
//	}
//	return srv.Run(ctx)
package cbserver
