// Package mcptest is the MCP client side of this repository's server
// tests: it connects a real mcp-go client over streamable HTTP, calls tools
// through a Session that fails the test on what must not happen, checks
// results against the output schemas the server publishes, and reads the
// decoded results. It is a normal package so that tests in several
// packages can share it, but only tests import it.
//
// Server-specific helpers (starting a server, indexing a repository,
// creating a project) stay with the tests of that server.
//
// # Example
//
//	func TestCreate(t *testing.T) {
//		url := startServer(t) // http://127.0.0.1:port/mcp
//		s := &mcptest.Session{T: t, MCP: mcptest.Connect(t, url, mcptest.Options{}),
//			Schemas: &mcptest.Schemas{}}
//		out := s.OK("create_project", map[string]any{"name": "p"})
//		if mcptest.Num(out, "project", "id") == 0 {
//			t.Fatalf("no project id in %v", out)
//		}
//		s.Fail("create_project", map[string]any{"name": "p"}, "already exists")
//		var logs mcptest.SyncBuffer // the server's log, written concurrently
//		mcptest.Eventually(t, 5*time.Second, func() string { return "no log:\n" + logs.String() },
//			func() bool { return len(logs.Lines()) > 0 })
//	}
package mcptest
