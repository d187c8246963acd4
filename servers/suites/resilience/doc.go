// Package resilience is perfgate's resilience suite: the MCP servers' real
// programs (cmd/workflow-mcp, cmd/codebase-mcp, built once per run) on real
// PostgreSQL, under faults injected by stopping things, never by mocks.
//
//   - BenchmarkPostgresRestart: concurrent clients write entities through
//     workflow-mcp while its Postgres is stopped and started again, or
//     killed with kill -9 and started again (crash recovery). Every call
//     during the outage fails with a retryable error within the acquire
//     timeout, and every acknowledged write is in Postgres afterwards, row
//     by row. Reports recovery-ns/op.
//   - BenchmarkPoolExhaustion: a pool of N connections held by N slow calls
//     (blocked on a table lock another client holds) and 10 more calls: the
//     10 get the busy error within the acquire timeout, the N complete once
//     the lock goes. Reports busy-ns/op.
//   - TestAddressInUse: a second server program on a taken port exits 3
//     and says what to do.
//   - TestCodebaseDown, TestWorkflowDown: either server keeps serving while
//     the other is killed; workflow-mcp reports code references as unknown,
//     with a notice, and as current again once codebase-mcp is back.
//
// The metrics come from benchmarks, so run the suite with -bench; perfgate
// runs it as a suite of kind test:
//
//	TEST_DATABASE_URL=postgres://... CI=true \
//	    go test -json -count=1 -run . -bench . -benchtime 1x ./servers/suites/resilience
//
// The load scales with PERFGATE_RESILIENCE_CLIENTS (concurrent writers,
// default 4) and PERFGATE_RESILIENCE_SECONDS (seconds of writing before
// each outage, of the outage, and after recovery; default 1).
package resilience
