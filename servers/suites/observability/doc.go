// Package observability is perfgate's `observability` suite: what an
// operator sees of codebase-mcp and workflow-mcp while they serve real
// concurrent MCP clients over streamable HTTP, each server on a PostgreSQL
// database of its own.
//
//   - BenchmarkHealthzUnderLoad measures GET /healthz of each server while
//     20 clients call tools on both (a search-heavy mix on codebase-mcp, a
//     workflow mix with code reference checks on workflow-mcp), paced
//     (think time between calls) and saturated (none): latency from
//     HdrHistogram, reported as p50-ns/op, p95-ns/op and p99-ns/op, in
//     sub-benchmarks server=NAME/load=paced|saturated. Probes go out on a
//     fixed schedule, open loop, and count from their scheduled time, so a
//     stalled server is charged for the stall.
//   - TestCallsAccountedUnderLoad checks, after such a load, that /metrics
//     (parsed with prometheus/common expfmt) counts exactly the calls made,
//     per tool and outcome, with a latency histogram to match, and that the
//     JSON log has exactly one line per call with request_id, tool,
//     latency_ms and outcome.
//   - TestHealthzReport checks /healthz and health://status: the fields of
//     the runtime's contract, and healthy.
//
// Run it as perfgate does:
//
//	CI=true TEST_DATABASE_URL=postgres://... go test -json -count=1 -run . -bench . -benchtime 1x ./servers/suites/observability
//
// The load scales with environment variables (defaults in parentheses):
// OBSERVABILITY_CLIENTS (20, half on each server), OBSERVABILITY_DURATION
// (5s of load per benchmark round), OBSERVABILITY_THINK (100ms..300ms, a
// paced client's pause between calls as MIN..MAX), OBSERVABILITY_PROBE_INTERVAL
// (10ms between /healthz probes, sent open loop), OBSERVABILITY_CALLS (25
// calls per client in the accounting test) and OBSERVABILITY_FILES (200
// files in the indexed fixture repository).
package observability
