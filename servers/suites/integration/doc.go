// Package integration is perfgate's `integration` suite (kind test): the
// cross-server flow between a real codebase-mcp and a real workflow-mcp,
// each serving streamable HTTP on a PostgreSQL database of its own, driven
// by real MCP clients.
//
// Every scenario indexes a small repository written by the test (or a copy
// of a directory of this one), searches it, links a work item to what the
// hits carry (link_code), changes the code, re-indexes, and asserts the
// exact statuses check_code_references reports: current, changed, missing
// or unknown. The statuses follow codebase-mcp's definition: a reference
// is current while a chunk of its path still has its content_hash (the
// SHA-256 of the chunk's text, doc comment included, not of its position),
// changed when the path is indexed without it, missing when the path is no
// longer indexed.
//
// Run it as perfgate does:
//
//	CI=true TEST_DATABASE_URL=postgres://... go test -count=1 ./servers/suites/integration
//
// The package has no non-test code.
package integration
