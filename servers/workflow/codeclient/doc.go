// Package codeclient is the workflow.CodeChecker that asks codebase-mcp,
// over streamable HTTP with the mcp-go client, whether linked code is still
// as it was: it calls codebase-mcp's get_code_reference_status tool once
// per reference, a few at a time, within a short overall timeout.
//
// The tool it relies on takes StatusRequest (repository, path, symbol,
// content_hash, start_line, end_line, and the reference's codebase-mcp
// project, omitted for the default one) and returns StatusResult as
// structured content: {"status": "current" | "changed" | "missing"}.
// A reference the tool refuses (an error result) or answers with another
// status is reported as unknown; a codebase-mcp that cannot be reached, or
// lacks the tool, makes Check fail, and the caller reports every status as
// unknown with a notice.
//
// # Example
//
//	checker := codeclient.New(codeclient.Config{URL: "http://127.0.0.1:8731/mcp"})
//	statuses, err := checker.Check(ctx, refs)
//	if err != nil {
//		// codebase-mcp is down: every status is unknown
//	}
package codeclient
