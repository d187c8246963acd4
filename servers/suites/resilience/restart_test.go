package resilience_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/perfgate/perfgate/servers/internal/pgcluster"
)

// BenchmarkPostgresRestart runs a real workflow-mcp on a cluster of its own
// while concurrent MCP clients write entities (create_entity, then
// update_entity with expected_version) and, once per op, takes Postgres
// away and brings it back: with a clean stop (fast shutdown) or with a
// kill -9 of the postmaster followed by crash recovery.
//
// It fails when a call during the outage succeeds or hangs past the acquire
// timeout, when /healthz does not report the database down meanwhile and
// healthy afterwards, when a failure is not a tool error that says to retry, when an
// update is refused as a version conflict although every earlier write to
// that entity was acknowledged, or when any acknowledged write is not in
// Postgres afterwards, row by row, with its acknowledged version and data.
//
// Metrics, means over the ops:
//   - recovery-ns/op: from Postgres accepting connections again to the end
//     of the first successful write made since;
//   - recovery-from-stop-ns/op: the same from the moment Postgres was
//     stopped or killed (it includes the outage, one phase long);
//   - outage-max-call-ns/op: the slowest call made while Postgres was away;
//   - post-recovery-errors/op: failed writes after the first success.
//
// Both kinds of outage take turns on one cluster and server, as they would
// in a long-lived deployment; every cycle checks the rows of all cycles
// before it too.
func BenchmarkPostgresRestart(b *testing.B) {
	f := newRestartFixture(b)
	b.Run("stop", func(b *testing.B) { benchRestart(b, f, (*pgcluster.Cluster).Stop) })
	b.Run("kill9", func(b *testing.B) { benchRestart(b, f, (*pgcluster.Cluster).Kill) })
}

func benchRestart(b *testing.B, f *restartFixture, down func(*pgcluster.Cluster, testing.TB)) {
	b.ResetTimer()
	var sum outageResult
	for range b.N {
		r := f.cycle(b, down)
		sum.recovery += r.recovery
		sum.fromStop += r.fromStop
		sum.maxCall += r.maxCall
		sum.postErrors += r.postErrors
	}
	n := float64(b.N)
	b.ReportMetric(float64(sum.recovery)/n, "recovery-ns/op")
	b.ReportMetric(float64(sum.fromStop)/n, "recovery-from-stop-ns/op")
	b.ReportMetric(float64(sum.maxCall)/n, "outage-max-call-ns/op")
	b.ReportMetric(float64(sum.postErrors)/n, "post-recovery-errors/op")
}

// restartFixture is a workflow-mcp on a stoppable cluster, a project with
// an entity type, and the writers' sessions.
type restartFixture struct {
	cluster  *pgcluster.Cluster
	srv      *server
	project  int64
	sessions []*session
	phase    time.Duration
	// history holds the writers of every cycle so far: each cycle checks
	// all the writes acknowledged since the fixture started.
	history []*writer
	// cycles counts the cycles begun, which name their entities.
	cycles int
}

func newRestartFixture(tb testing.TB) *restartFixture {
	tb.Helper()
	c := pgcluster.New(tb)
	srv := startServer(tb, "workflow-mcp", "", c.URL())
	srv.waitHealthy(tb)
	f := &restartFixture{cluster: c, srv: srv, phase: phase(tb)}
	admin := connect(tb, srv.url())
	p := admin.ok("create_project", map[string]any{"name": "resilience", "activate": true})
	f.project = id(p, "project", "id")
	admin.ok("register_entity_type", map[string]any{"project": "resilience", "name": "record", "schema": map[string]any{
		"type":     "object",
		"required": []any{"writer", "seq", "payload"},
		"properties": map[string]any{
			"writer":  map[string]any{"type": "integer"},
			"seq":     map[string]any{"type": "integer"},
			"payload": map[string]any{"type": "string"},
		},
	}})
	for range clients(tb) {
		f.sessions = append(f.sessions, connect(tb, srv.url()))
	}
	return f
}

// outageResult is what one outage measured.
type outageResult struct {
	recovery, fromStop, maxCall time.Duration
	postErrors                  int
}

// timeline marks one outage: down is when Postgres was stopped or killed,
// gone when it had exited, back when it was started again and ready when
// it accepted connections.
type timeline struct {
	down, gone, back, ready time.Time
}

// callRecord is one call a writer made.
type callRecord struct {
	tool       string
	start, end time.Time
	ok         bool
	transport  error  // the call failed below MCP
	message    string // the tool error's text
}

// written is an entity as its writer last saw it acknowledged. pending,
// when set, is a later update whose outcome is unknown (the call failed):
// it may or may not have been committed, so the writer left the entity.
type written struct {
	id      int64
	name    string
	version int
	data    map[string]any
	pending *struct {
		version int
		data    map[string]any
	}
}

// writer is one client writing continuously: it creates an entity, then
// updates it with the version it last had acknowledged; after a failed
// call it leaves the entity and creates the next one.
type writer struct {
	n       int
	s       *session
	mu      sync.Mutex // guards calls while the writer runs
	calls   []callRecord
	written []*written
	// conflicts are updates refused for their version although every
	// earlier write to the entity was acknowledged: lost updates.
	conflicts []string
}

func (w *writer) run(cycle int, stop <-chan struct{}) {
	var cur *written
	for seq := 0; ; seq++ {
		select {
		case <-stop:
			return
		default:
		}
		data := map[string]any{"writer": w.n, "seq": seq, "payload": fmt.Sprintf("cycle %d writer %d write %d", cycle, w.n, seq)}
		rec := callRecord{start: time.Now()}
		var args map[string]any
		if cur == nil {
			rec.tool = "create_entity"
			args = map[string]any{"type": "record", "name": fmt.Sprintf("c%d-w%d-%d", cycle, w.n, seq), "data": data}
		} else {
			rec.tool = "update_entity"
			args = map[string]any{"id": cur.id, "expected_version": cur.version, "data": data}
		}
		res, err := w.s.call(rec.tool, args)
		rec.end = time.Now()
		rec.transport = err
		rec.ok = err == nil && !res.IsError
		if err == nil && res.IsError {
			rec.message = text(res)
		}
		w.mu.Lock()
		w.calls = append(w.calls, rec)
		w.mu.Unlock()

		switch {
		case rec.ok:
			got, _ := res.StructuredContent.(map[string]any)
			e := &written{id: id(got, "entity", "id"), version: int(id(got, "entity", "version")), data: normalize(data)}
			if cur == nil {
				e.name = args["name"].(string)
				if e.version != 1 {
					w.conflicts = append(w.conflicts, fmt.Sprintf("create_entity %s acknowledged version %d, want 1", e.name, e.version))
				}
				cur = e
				w.written = append(w.written, cur)
			} else {
				if e.id != cur.id || e.version != cur.version+1 {
					w.conflicts = append(w.conflicts, fmt.Sprintf("update_entity %d from version %d acknowledged entity %d version %d",
						cur.id, cur.version, e.id, e.version))
				}
				cur.version, cur.data = e.version, e.data
			}
		default:
			if cur != nil {
				if strings.HasPrefix(rec.message, "version conflict") {
					w.conflicts = append(w.conflicts, fmt.Sprintf("update_entity %d at acknowledged version %d refused: %s", cur.id, cur.version, rec.message))
				}
				cur.pending = &struct {
					version int
					data    map[string]any
				}{cur.version + 1, normalize(data)}
				cur = nil
			}
			time.Sleep(20 * time.Millisecond) // a client's backoff
		}
	}
}

// cycle writes for a phase, takes Postgres down with down for a phase,
// starts it again, writes until a phase after the first success, and
// checks every call and every acknowledged write.
func (f *restartFixture) cycle(tb testing.TB, down func(*pgcluster.Cluster, testing.TB)) outageResult {
	tb.Helper()
	cycle := f.cycles
	f.cycles++
	writers := make([]*writer, len(f.sessions))
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i, s := range f.sessions {
		writers[i] = &writer{n: i, s: s}
		wg.Go(func() { writers[i].run(cycle, stop) })
	}
	stopped := false
	stopWriters := func() {
		if !stopped {
			stopped = true
			close(stop)
			wg.Wait()
		}
	}
	defer stopWriters()

	time.Sleep(f.phase)
	var tl timeline
	tl.down = time.Now()
	down(f.cluster, tb)
	tl.gone = time.Now()
	// /healthz tells, without waiting on the pool.
	var last string
	eventually(tb, 5*time.Second, func() string {
		return "/healthz did not report the database down within 5s: " + last
	}, func() bool {
		code, h, err := f.srv.health()
		last = fmt.Sprintf("HTTP %d %+v %v", code, h, err)
		return err == nil && code == http.StatusServiceUnavailable && h.Status == "unhealthy" && h.Database.Status == "down"
	})
	time.Sleep(time.Until(tl.gone.Add(f.phase)))
	tl.back = time.Now()
	f.cluster.Start(tb)
	tl.ready = time.Now()

	// Write on until a phase after the first success since ready.
	var first time.Time
	eventually(tb, 30*time.Second, func() string {
		return "no successful write within 30s of Postgres accepting connections again; server log:\n" + f.srv.stderr.String()
	}, func() bool {
		first = firstSuccess(writers, tl.ready)
		return !first.IsZero()
	})
	time.Sleep(f.phase)
	stopWriters()
	eventually(tb, 10*time.Second, func() string {
		return "/healthz did not report healthy within 10s of recovery: " + last
	}, func() bool {
		code, h, err := f.srv.health()
		last = fmt.Sprintf("HTTP %d %+v %v", code, h, err)
		return err == nil && code == http.StatusOK && h.Status == "healthy"
	})

	r := outageResult{recovery: first.Sub(tl.ready), fromStop: first.Sub(tl.down)}
	var calls []callRecord
	for _, w := range writers {
		calls = append(calls, w.calls...)
		for _, c := range w.conflicts {
			tb.Errorf("lost update: %s", c)
		}
	}
	r.maxCall, r.postErrors = checkCalls(tb, calls, tl, first)
	f.history = append(f.history, writers...)
	f.checkRows(tb, f.history)
	if tb.Failed() {
		tb.Logf("server log:\n%s", f.srv.stderr)
	}
	return r
}

// firstSuccess is the end of the first successful call started at or after
// t, or zero.
func firstSuccess(writers []*writer, t time.Time) time.Time {
	var first time.Time
	for _, w := range writers {
		for _, c := range snapshot(w) {
			if c.ok && !c.start.Before(t) && (first.IsZero() || c.end.Before(first)) {
				first = c.end
			}
		}
	}
	return first
}

// snapshot copies the writer's calls so far.
func snapshot(w *writer) []callRecord {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.calls)
}

// checkCalls checks the calls against the timeline and returns the slowest
// call overlapping the outage and the failures after the first success.
func checkCalls(tb testing.TB, calls []callRecord, tl timeline, first time.Time) (maxCall time.Duration, postErrors int) {
	tb.Helper()
	slices.SortFunc(calls, func(a, b callRecord) int { return a.start.Compare(b.start) })
	var before, during, after int
	for _, c := range calls {
		took := c.end.Sub(c.start)
		switch {
		case c.transport != nil:
			tb.Errorf("%s at %s: the transport failed (%v), want a tool result", c.tool, offset(c.start, tl), c.transport)
		case !c.ok && !strings.Contains(c.message, "retry"):
			tb.Errorf("%s at %s failed with %q: want an error that says to retry", c.tool, offset(c.start, tl), c.message)
		}
		if c.end.Before(tl.down) {
			before++
			if !c.ok {
				tb.Errorf("%s at %s failed before the outage: %q", c.tool, offset(c.start, tl), c.message)
			}
			continue
		}
		if c.start.Before(tl.ready) {
			during++
			maxCall = max(maxCall, took)
			if took > acquireTimeout+slack {
				tb.Errorf("%s at %s took %s while Postgres was away: want an answer within the acquire timeout %s",
					c.tool, offset(c.start, tl), took, acquireTimeout)
			}
			if c.ok && !c.start.Before(tl.gone) && c.end.Before(tl.back) {
				tb.Errorf("%s at %s succeeded while Postgres was not running", c.tool, offset(c.start, tl))
			}
			continue
		}
		after++
		if !c.ok && c.start.After(first) {
			postErrors++
		}
	}
	if before == 0 || after == 0 {
		tb.Errorf("%d calls ended before the outage and %d started after it: the load did not run", before, after)
	}
	tb.Logf("calls: %d before the outage, %d during, %d after; the first success came %s after Postgres accepted connections",
		before, during, after, first.Sub(tl.ready))
	return maxCall, postErrors
}

// offset says when t was relative to the outage, for messages.
func offset(t time.Time, tl timeline) string {
	if t.Before(tl.down) {
		return fmt.Sprintf("down%s", t.Sub(tl.down).Round(time.Millisecond))
	}
	return fmt.Sprintf("down+%s", t.Sub(tl.down).Round(time.Millisecond))
}

// checkRows reads the project's entities straight from Postgres and checks
// that every write the writers had acknowledged is there with its version
// and data.
func (f *restartFixture) checkRows(tb testing.TB, writers []*writer) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, f.cluster.URL())
	if err != nil {
		tb.Fatal(err)
	}
	defer conn.Close(context.Background())
	rows, err := conn.Query(ctx, `SELECT id, name, version, data FROM entities WHERE project_id = $1`, f.project)
	if err != nil {
		tb.Fatal(err)
	}
	type row struct {
		name    string
		version int
		data    map[string]any
	}
	have := map[int64]row{}
	for rows.Next() {
		var id int64
		var r row
		if err := rows.Scan(&id, &r.name, &r.version, &r.data); err != nil {
			tb.Fatal(err)
		}
		have[id] = r
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}

	var entities, writes, uncertain, committedAnyway, bad int
	for _, w := range writers {
		for _, e := range w.written {
			entities++
			writes += e.version
			r, ok := have[e.id]
			var problem string
			switch {
			case !ok:
				problem = "is missing"
			case r.name != e.name:
				problem = fmt.Sprintf("is named %q, want %q", r.name, e.name)
			case r.version == e.version && reflect.DeepEqual(r.data, e.data):
			case e.pending != nil && r.version == e.pending.version && reflect.DeepEqual(r.data, e.pending.data):
				committedAnyway++ // a write that failed for its caller but committed: allowed
			default:
				problem = fmt.Sprintf("is at version %d with %v, want the acknowledged version %d with %v", r.version, r.data, e.version, e.data)
				if e.pending != nil {
					problem += fmt.Sprintf(" (or the unacknowledged version %d)", e.pending.version)
				}
			}
			if e.pending != nil {
				uncertain++
			}
			if problem != "" {
				bad++
				if bad <= 10 {
					tb.Errorf("entity %d (%s), acknowledged at version %d: %s", e.id, e.name, e.version, problem)
				}
			}
		}
	}
	if bad > 10 {
		tb.Errorf("... %d acknowledged entities wrong in all", bad)
	}
	if entities == 0 {
		tb.Error("no entity was acknowledged: the check checked nothing")
	}
	tb.Logf("rows: %d of %d acknowledged entities (%d acknowledged writes) in Postgres as acknowledged; "+
		"%d were left after a failed update, %d of those updates committed anyway", entities-bad, entities, writes, uncertain, committedAnyway)
}

// normalize returns v as it reads back from JSON: numbers as float64.
func normalize(v map[string]any) map[string]any {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		panic(err)
	}
	return out
}
