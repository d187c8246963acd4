package resilience_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/perfgate/perfgate/internal/pgtest"
)

// poolSize is workflow-mcp's --db-max-conns in BenchmarkPoolExhaustion.
const poolSize = 4

// extraCalls is how many calls more than the pool holds are made at once.
const extraCalls = 10

// BenchmarkPoolExhaustion runs a real workflow-mcp with a pool of poolSize
// connections. Once per op, another client of Postgres takes an exclusive
// lock on the entities table, and poolSize+extraCalls clients call
// create_entity and query_entities at once: poolSize calls take the pool's
// connections and wait on the lock, honestly slow; the extra calls must get
// the busy error, which says to retry, within the acquire timeout, while
// /healthz reports the full pool. Then the lock goes, and the poolSize calls
// must complete, their entities in Postgres.
//
// Metrics: busy-ns/op and busy-max-ns/op, the median and the slowest time
// from a call to its busy error (mean over the ops); the acquire timeout is
// acquireTimeout.
func BenchmarkPoolExhaustion(b *testing.B) {
	dbURL := pgtest.URL(b)
	srv := startServer(b, "workflow-mcp", "", dbURL, "--db-max-conns", fmt.Sprint(poolSize))
	srv.waitHealthy(b)
	admin := connect(b, srv.url())
	project := id(admin.ok("create_project", map[string]any{"name": "pool", "activate": true}), "project", "id")
	admin.ok("register_entity_type", map[string]any{"project": "pool", "name": "note", "schema": map[string]any{
		"type": "object", "required": []any{"text"}, "properties": map[string]any{"text": map[string]any{"type": "string"}},
	}})
	sessions := make([]*session, poolSize+extraCalls)
	for i := range sessions {
		sessions[i] = connect(b, srv.url())
	}
	b.ResetTimer()
	var median, slowest time.Duration
	for op := range b.N {
		m, s := exhaust(b, srv, dbURL, project, sessions, op)
		median += m
		slowest += s
	}
	b.ReportMetric(float64(median)/float64(b.N), "busy-ns/op")
	b.ReportMetric(float64(slowest)/float64(b.N), "busy-max-ns/op")
}

// exhaust runs one round and returns the median and slowest time to a busy
// error.
func exhaust(tb testing.TB, srv *server, dbURL string, project int64, sessions []*session, op int) (median, slowest time.Duration) {
	tb.Helper()
	ctx := context.Background()
	locker, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		tb.Fatal(err)
	}
	defer locker.Close(ctx)
	tx, err := locker.Begin(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, "LOCK TABLE entities IN ACCESS EXCLUSIVE MODE"); err != nil {
		tb.Fatal(err)
	}

	type result struct {
		tool, name string
		ok         bool
		message    string
		transport  error
		took       time.Duration
	}
	results := make(chan result, len(sessions))
	var wg sync.WaitGroup
	for i, s := range sessions {
		wg.Go(func() {
			r := result{tool: "query_entities"}
			args := map[string]any{"type": "note", "limit": 5}
			if i%2 == 0 {
				r.tool, r.name = "create_entity", fmt.Sprintf("op%d-call%d", op, i)
				args = map[string]any{"type": "note", "name": r.name, "data": map[string]any{"text": "written while the pool was full"}}
			}
			start := time.Now()
			res, err := s.call(r.tool, args)
			r.took = time.Since(start)
			r.transport = err
			r.ok = err == nil && !res.IsError
			if err == nil && res.IsError {
				r.message = text(res)
			}
			results <- r
		})
	}

	// The extra calls come back busy while the lock is held.
	var busy []time.Duration
	deadline := time.After(acquireTimeout + slack + 5*time.Second)
	for len(busy) < extraCalls {
		select {
		case r := <-results:
			switch {
			case r.transport != nil:
				tb.Fatalf("%s: the transport failed (%v), want a tool result", r.tool, r.transport)
			case r.ok:
				tb.Fatalf("%s succeeded while the lock was held and the pool full", r.tool)
			case !strings.Contains(r.message, "busy") || !strings.Contains(r.message, "retry"):
				tb.Fatalf("%s with the pool full: %q, want the busy error that says to retry", r.tool, r.message)
			case r.took > acquireTimeout+slack:
				tb.Errorf("%s: the busy error came after %s, want it within the acquire timeout %s", r.tool, r.took, acquireTimeout)
			}
			busy = append(busy, r.took)
		case <-deadline:
			tb.Fatalf("%d of %d extra calls got the busy error; the others hang; server log:\n%s", len(busy), extraCalls, srv.stderr)
		}
	}
	// Meanwhile /healthz answers at once, and says the pool is full.
	start := time.Now()
	code, h, err := srv.health()
	if took := time.Since(start); err != nil || took > slack {
		tb.Fatalf("/healthz with the pool full: %v after %s", err, took)
	}
	if code != http.StatusServiceUnavailable || h.Status != "unhealthy" || h.Pool.Acquired != poolSize || h.Pool.UtilizationPercent != 100 {
		tb.Errorf("/healthz with the pool full: HTTP %d %+v, want 503, unhealthy, %d of %d acquired", code, h, poolSize, poolSize)
	}

	// The lock goes: the calls holding the pool complete.
	if err := tx.Rollback(ctx); err != nil {
		tb.Fatal(err)
	}
	wg.Wait()
	close(results)
	var created []string
	completed := 0
	for r := range results {
		if !r.ok {
			tb.Errorf("%s after the lock went: %v %q, want success", r.tool, r.transport, r.message)
			continue
		}
		completed++
		if r.name != "" {
			created = append(created, r.name)
		}
	}
	if completed != poolSize {
		tb.Errorf("%d calls completed after the lock went, want the %d that held the pool", completed, poolSize)
	}
	var n int
	if err := locker.QueryRow(ctx, `SELECT count(*) FROM entities WHERE project_id = $1 AND name = ANY($2)`, project, created).Scan(&n); err != nil {
		tb.Fatal(err)
	}
	if n != len(created) {
		tb.Errorf("%d of the %d acknowledged entities are in Postgres", n, len(created))
	}
	slices.Sort(busy)
	return busy[len(busy)/2], busy[len(busy)-1]
}
