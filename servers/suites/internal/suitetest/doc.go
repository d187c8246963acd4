// Package suitetest starts the real servers of this repository for the
// suites in servers/suites: codebase-mcp and workflow-mcp serving
// streamable HTTP in the test process, each on a PostgreSQL database of its
// own (internal/pgtest), and talks to them with real MCP clients (mcp-go)
// and plain HTTP.
//
// Nothing here is a fake: the servers are assembled by cbserver.New and
// wfserver.New exactly as their commands do, with the JSON log captured in
// a buffer so that a suite can read the lines the servers wrote.
//
// # Example
//
//	func TestFlow(t *testing.T) {
//		repo := t.TempDir()
//		// ... write files into repo ...
//		cb := suitetest.StartCodebase(t, suitetest.CodebaseConfig{Roots: []string{repo}})
//		wf := suitetest.StartWorkflow(t, suitetest.WorkflowConfig{CodebaseURL: cb.URL})
//		code, work := suitetest.Connect(t, cb.URL), suitetest.Connect(t, wf.URL)
//		job := code.OK("index_repository", map[string]any{"path": repo})
//		code.OK("get_indexing_status", map[string]any{"job_id": job["job_id"], "wait_seconds": 50})
//		hits := suitetest.Get(code.OK("search_code", map[string]any{"query": "sum of two integers"}), "hits")
//		// ... create a work item in work, link_code it to a hit, check_code_references ...
//	}
//
// Servers stop when the test ends; Stop stops one earlier (to see what the
// other does without it), and Restart starts it again on the same address
// and database.
package suitetest
