package main_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/jackc/pgx/v5"
	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/perfgate/perfgate/internal/pgtest"
)

// The benchmarks drive the real workflow-mcp binary over streamable HTTP
// with benchClients concurrent MCP clients, as agents would, and report
// latency quantiles and the server's resident memory.
//
//	go test -run '^$' -bench . -benchtime 3000x ./cmd/workflow-mcp
//
// WORKFLOW_BENCH_CLIENTS=1 measures the service time without queueing;
// WORKFLOW_BENCH_CPUPROFILE=file has the server write a CPU profile of its
// run (fixture included: select one sub-benchmark with -bench) to file.
// WORKFLOW_BENCH_PROTOCOL=2025-11-25 makes the clients use that protocol
// version (sessions) instead of the newest one they speak.
const benchClients = 10

// clients is benchClients, or $WORKFLOW_BENCH_CLIENTS.
func clients() int {
	if n, err := strconv.Atoi(os.Getenv("WORKFLOW_BENCH_CLIENTS")); err == nil && n > 0 {
		return n
	}
	return benchClients
}

// components is how many distinct "component" values seeded entities
// spread over: a query_entities filter on one matches 1/components of them.
const components = 100

// fixture is a server with seeded projects, shared by the sub-benchmarks.
type fixture struct {
	proc    *process
	dbURL   string
	clients []*client.Client
	// entities[w] is worker w's entity to update (project "small"), with
	// its current version.
	entities []int64
	versions []int
	// items[w] are worker w's work items to claim.
	items [][]int64
}

// loads are the two ways the benchmarks drive the server. saturated: each
// client calls again as soon as it has its answer, so the latency is mostly
// queueing (Little's law: 10 clients / throughput) and the throughput is the
// machine's, clients included. 200rps: each client calls every 50ms, 200
// calls a second in all, under half of what the machine serves of the
// costliest call (query_entities at 100,000 entities: ~420/s saturated) and
// a hundred times what ten agents make: the latency of a server under load
// but not overloaded, measured from when each call was due, so a late call
// counts its wait.
var loads = []struct {
	name  string
	every time.Duration
}{
	{"load=saturated", 0},
	{"load=200rps", 50 * time.Millisecond},
}

func BenchmarkWorkflow(b *testing.B) {
	f := newFixture(b)
	bench := func(name string, op func(w, i int) (string, map[string]any)) {
		for _, load := range loads {
			b.Run(name+"/"+load.name, func(b *testing.B) { f.run(b, load.every, op) })
		}
	}
	projects := []string{"small", "large"}
	bench("switch_project", func(w, i int) (string, map[string]any) {
		return "switch_project", map[string]any{"project": projects[(w+i)%2]}
	})
	for _, size := range []struct {
		name, project string
	}{{"1k", "small"}, {"100k", "large"}} {
		bench("query_entities/"+size.name, func(w, i int) (string, map[string]any) {
			return "query_entities", map[string]any{"project": size.project, "type": "decision", "limit": 20,
				"filter": map[string]any{"component": fmt.Sprintf("c%d", (w*7919+i)%components)}}
		})
	}
	bench("update_entity", func(w, i int) (string, map[string]any) {
		f.versions[w]++ // the call below moves it to this version
		return "update_entity", map[string]any{"project": "small", "id": f.entities[w], "expected_version": f.versions[w] - 1,
			"data": map[string]any{"component": "c1", "status": "open", "priority": i%5 + 1, "summary": "updated " + strconv.Itoa(i)}}
	})
	bench("claim_work_item", func(w, i int) (string, map[string]any) {
		items := f.items[w]
		return "claim_work_item", map[string]any{"project": "small", "id": items[i%len(items)],
			"owner": "worker-" + strconv.Itoa(w), "lease_seconds": 600}
	})
	f.reportRSS(b)
}

func newFixture(b *testing.B) *fixture {
	b.Helper()
	dbURL := pgtest.URL(b)
	var extra []string
	if file := os.Getenv("WORKFLOW_BENCH_CPUPROFILE"); file != "" {
		extra = append(extra, "--cpuprofile", file)
	}
	f := &fixture{proc: serve(b, dbURL, extra...), dbURL: dbURL}
	for range clients() {
		f.clients = append(f.clients, connect(b, f.proc.url+"/mcp"))
	}
	c := f.clients[0]
	schema := map[string]any{
		"type":     "object",
		"required": []any{"component", "status", "priority", "summary"},
		"properties": map[string]any{
			"component": map[string]any{"type": "string"},
			"status":    map[string]any{"enum": []any{"open", "closed"}},
			"priority":  map[string]any{"type": "integer", "minimum": 1, "maximum": 5},
			"summary":   map[string]any{"type": "string"},
		},
	}
	for _, p := range []struct {
		name string
		n    int
	}{{"small", 1_000}, {"large", 100_000}} {
		project := call(b, c, "create_project", map[string]any{"name": p.name, "activate": true})
		typ := call(b, c, "register_entity_type", map[string]any{"project": p.name, "name": "decision", "schema": schema})
		seed(b, dbURL, int64(project["project"].(map[string]any)["id"].(float64)), int64(typ["id"].(float64)), p.n)
	}
	// Each worker's entity and work items, made by its own client.
	n := clients()
	f.entities, f.versions, f.items = make([]int64, n), make([]int, n), make([][]int64, n)
	f.each(b, func(w int, c *client.Client) error {
		e, err := tryCall(c, "create_entity", map[string]any{"project": "small", "type": "decision", "name": "worker-" + strconv.Itoa(w),
			"data": map[string]any{"component": "c1", "status": "open", "priority": 1, "summary": "s"}})
		if err != nil {
			return err
		}
		f.entities[w], f.versions[w] = int64(e["entity"].(map[string]any)["id"].(float64)), 1
		for i := range 20 {
			wi, err := tryCall(c, "create_work_item", map[string]any{"project": "small", "type": "task", "title": fmt.Sprintf("w%d-%d", w, i)})
			if err != nil {
				return err
			}
			f.items[w] = append(f.items[w], int64(wi["work_item"].(map[string]any)["id"].(float64)))
		}
		return nil
	})
	return f
}

// seed inserts n entities of the type with COPY: realistic data spread over
// components, statuses and priorities, and a few tags.
func seed(b *testing.B, dbURL string, project, typ int64, n int) {
	b.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	r := rand.New(rand.NewPCG(1, uint64(n)))
	rows := make([][]any, n)
	statuses := []string{"open", "closed"}
	for i := range rows {
		data := map[string]any{
			"component": fmt.Sprintf("c%d", r.IntN(components)),
			"status":    statuses[r.IntN(2)],
			"priority":  r.IntN(5) + 1,
			"summary":   fmt.Sprintf("decision %d about %s", i, strings.Repeat("x", r.IntN(80))),
		}
		rows[i] = []any{project, typ, fmt.Sprintf("seed-%d", i), data, []string{"seed", fmt.Sprintf("batch-%d", i%10)}}
	}
	if _, err := conn.CopyFrom(ctx, pgx.Identifier{"entities"}, []string{"project_id", "type_id", "name", "data", "tags"},
		pgx.CopyFromRows(rows)); err != nil {
		b.Fatal(err)
	}
	// The steady state of a live database, where autovacuum has run.
	if _, err := conn.Exec(ctx, "VACUUM ANALYZE entities"); err != nil {
		b.Fatal(err)
	}
}

// run makes b.N calls spread over the clients, one goroutine each, and
// reports the latency quantiles of the calls, merged from one histogram
// per worker. op returns the call worker w makes as its i-th. With every >
// 0 each worker makes a call every `every` (the workers' schedules spread
// over the interval) and a call's latency counts from when it was due.
func (f *fixture) run(b *testing.B, every time.Duration, op func(w, i int) (string, map[string]any)) {
	b.Helper()
	// Warm up: the clients make a few calls each, outside the measurement
	// and all at once, so that the server's pool has opened the
	// connections the load will use (and Postgres has planned the queries
	// on each). Made one client at a time, they warmed up one connection:
	// the first benchmark then paid for opening the others, 4x slower.
	f.each(b, func(w int, c *client.Client) error {
		for i := range 3 {
			name, args := op(w, 1<<20+i)
			if _, err := tryCall(c, name, args); err != nil {
				return err
			}
		}
		return nil
	})
	hists := make([]*hdrhistogram.Histogram, len(f.clients))
	cpu0 := f.cpu(b)
	var failed atomic.Value
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for w, c := range f.clients {
		hists[w] = hdrhistogram.New(1_000, 10_000_000_000, 3) // 1µs to 10s
		n := b.N / len(f.clients)
		if w < b.N%len(f.clients) {
			n++
		}
		wg.Go(func() {
			due := start.Add(time.Duration(w) * every / time.Duration(len(f.clients)))
			for i := range n {
				name, args := op(w, i)
				t0 := time.Now()
				if every > 0 {
					time.Sleep(time.Until(due))
					t0, due = due, due.Add(every)
				}
				res, err := c.CallTool(context.Background(), mcp.CallToolRequest{Params: mcp.CallToolParams{Name: name, Arguments: args}})
				hists[w].RecordValue(time.Since(t0).Nanoseconds())
				if err != nil || res.IsError {
					failed.CompareAndSwap(nil, fmt.Sprintf("%s: %v %v", name, err, resultText(res)))
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	cpu1 := f.cpu(b)
	if msg := failed.Load(); msg != nil {
		b.Fatal(msg)
	}
	all := hdrhistogram.New(1_000, 10_000_000_000, 3)
	for _, h := range hists {
		all.Merge(h)
	}
	b.ReportMetric(float64(all.ValueAtQuantile(50)), "p50-ns/op")
	b.ReportMetric(float64(all.ValueAtQuantile(95)), "p95-ns/op")
	b.ReportMetric(float64(all.ValueAtQuantile(99)), "p99-ns/op")
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "calls/s")
	// CPU per call, by process: robust to a noisy machine where latency
	// is not. /proc counts in clock ticks (10ms): use a few thousand calls.
	n := float64(b.N)
	b.ReportMetric(float64(cpu1.server-cpu0.server)/n, "server-cpu-ns/op")
	b.ReportMetric(float64(cpu1.db-cpu0.db)/n, "db-cpu-ns/op")
	b.ReportMetric(float64(cpu1.client-cpu0.client)/n, "client-cpu-ns/op")
	f.reportRSS(b)
}

// cpuTimes are CPU times consumed so far, in nanoseconds: by the server
// process, by the database backends serving it, and by this process (the
// clients).
type cpuTimes struct {
	server, db, client int64
}

func (f *fixture) cpu(b *testing.B) cpuTimes {
	b.Helper()
	var t cpuTimes
	t.server = procCPU(f.proc.cmd.Process.Pid)
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
		t.client = ru.Utime.Nano() + ru.Stime.Nano()
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, f.dbURL)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT pid FROM pg_stat_activity WHERE application_name = 'workflow-mcp'`)
	if err != nil {
		b.Fatal(err)
	}
	pids, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		b.Fatal(err)
	}
	for _, pid := range pids {
		t.db += procCPU(int(pid))
	}
	return t
}

// procCPU is the user and system CPU time of process pid, from
// /proc/<pid>/stat, in nanoseconds; 0 when unreadable.
func procCPU(pid int) int64 {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The fields after the command name, which is in parentheses.
	_, rest, ok := strings.Cut(string(stat), ") ")
	if !ok {
		return 0
	}
	fields := strings.Fields(rest)
	if len(fields) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(fields[11], 10, 64)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	const tick = int64(time.Second / 100) // USER_HZ
	return (utime + stime) * tick
}

// reportRSS reports the server's resident memory now and at its peak, from
// /proc/<pid>/status.
func (f *fixture) reportRSS(b *testing.B) {
	b.Helper()
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", f.proc.cmd.Process.Pid))
	if err != nil {
		b.Logf("server RSS unavailable: %v", err)
		return
	}
	for _, line := range strings.Split(string(status), "\n") {
		key, value, ok := strings.Cut(line, ":")
		if !ok || (key != "VmRSS" && key != "VmHWM") {
			continue
		}
		kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 64)
		if err != nil {
			continue
		}
		unit := "server-rss-MB"
		if key == "VmHWM" {
			unit = "server-peak-rss-MB"
		}
		b.ReportMetric(kb/1024, unit)
	}
}

// connect connects a client with an HTTP connection pool of its own, as an
// agent has: the shared default transport keeps only two idle connections
// per host, which would make ten concurrent clients redial.
func connect(tb testing.TB, url string) *client.Client {
	tb.Helper()
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4, IdleConnTimeout: time.Minute}}
	tr, err := transport.NewStreamableHTTP(url, transport.WithHTTPBasicClient(hc))
	if err != nil {
		tb.Fatal(err)
	}
	var opts []client.ClientOption
	version := os.Getenv("WORKFLOW_BENCH_PROTOCOL")
	if version != "" {
		opts = append(opts, client.WithProtocolVersion(version))
	}
	c := client.NewClient(tr, opts...)
	tb.Cleanup(func() { c.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Start(ctx); err != nil {
		tb.Fatal(err)
	}
	if _, err := c.Initialize(ctx, mcp.InitializeRequest{Params: mcp.InitializeParams{
		ProtocolVersion: version,
		ClientInfo:      mcp.Implementation{Name: "workflow-bench", Version: "1"},
	}}); err != nil {
		tb.Fatal(err)
	}
	return c
}

// call makes a call that must succeed and returns its structured result.
func call(tb testing.TB, c *client.Client, name string, args map[string]any) map[string]any {
	tb.Helper()
	out, err := tryCall(c, name, args)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// tryCall is call for other goroutines than the benchmark's: it returns
// the failure.
func tryCall(c *client.Client, name string, args map[string]any) (map[string]any, error) {
	res, err := c.CallTool(context.Background(), mcp.CallToolRequest{Params: mcp.CallToolParams{Name: name, Arguments: args}})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if res.IsError {
		return nil, fmt.Errorf("%s(%v): %s", name, args, resultText(res))
	}
	out, ok := res.StructuredContent.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: structured content %T", name, res.StructuredContent)
	}
	return out, nil
}

// each runs fn for every client at once, one goroutine each, and fails tb
// with the first error.
func (f *fixture) each(tb testing.TB, fn func(w int, c *client.Client) error) {
	tb.Helper()
	errs := make([]error, len(f.clients))
	var wg sync.WaitGroup
	for w, c := range f.clients {
		wg.Go(func() { errs[w] = fn(w, c) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		tb.Fatal(err)
	}
}

func resultText(res *mcp.CallToolResult) string {
	if res == nil {
		return ""
	}
	for _, c := range res.Content {
		if t, ok := c.(mcp.TextContent); ok {
			return t.Text
		}
	}
	return ""
}
