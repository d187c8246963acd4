// Package tools is codebase-mcp's MCP tools, on the shared runtime's tool
// package: index_repository, get_indexing_status, cancel_indexing,
// search_code, preview_repository, list_projects and
// get_code_reference_status (which workflow-mcp calls to tell whether code
// a work item references is still as it was).
//
// Paths are checked against the server's Roots: a relative, missing or
// non-directory path, or one outside every root once symbolic links are
// resolved, is a tool error that lists the roots. Every other mistake a
// caller can fix (an empty query, a limit outside 1-50, an unknown project
// or job) is a tool error that says what to do.
//
// index_repository returns a job id at once. When its caller asked for
// progress (a progressToken), the job's progress follows as
// notifications/progress on the caller's session — files done of files to
// do, the chunks in the message — for as long as the session listens;
// get_indexing_status with wait_seconds streams the same while it waits,
// on any transport.
//
// Example, with the runtime of package mcpserver:
//
//	roots, err := tools.NewRoots([]string{"/src"})
//	if err != nil {
//		return err
//	}
//	tools.Register(srv.MCP(), tools.Options{Engine: engine, Roots: roots})
//
// Package cbserver assembles the whole server.
package tools
