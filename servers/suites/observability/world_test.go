package observability_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"

	"github.com/perfgate/perfgate/servers/codebase/fixture"
	"github.com/perfgate/perfgate/servers/suites/internal/suitetest"
)

// settings scale the suite; see the package documentation.
type settings struct {
	clients       int
	duration      time.Duration
	probeInterval time.Duration
	calls         int
	files         int
	think         suitetest.Think
}

func loadSettings(tb testing.TB) settings {
	tb.Helper()
	s := settings{clients: 20, duration: 5 * time.Second, probeInterval: 10 * time.Millisecond, calls: 25, files: 200}
	intVar := func(name string, p *int) {
		if v := os.Getenv(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				tb.Fatalf("%s=%q: want a positive integer", name, v)
			}
			*p = n
		}
	}
	durVar := func(name string, p *time.Duration) {
		if v := os.Getenv(name); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				tb.Fatalf("%s=%q: want a positive duration such as 5s", name, v)
			}
			*p = d
		}
	}
	intVar("OBSERVABILITY_CLIENTS", &s.clients)
	durVar("OBSERVABILITY_DURATION", &s.duration)
	durVar("OBSERVABILITY_PROBE_INTERVAL", &s.probeInterval)
	intVar("OBSERVABILITY_CALLS", &s.calls)
	intVar("OBSERVABILITY_FILES", &s.files)
	think := "100ms..300ms"
	if v := os.Getenv("OBSERVABILITY_THINK"); v != "" {
		think = v
	}
	var err error
	if s.think, err = suitetest.ParseThink(think); err != nil {
		tb.Fatalf("OBSERVABILITY_THINK: %v", err)
	}
	if s.clients < 2 {
		tb.Fatalf("OBSERVABILITY_CLIENTS=%d: want at least 2, one per server", s.clients)
	}
	return s
}

// world is both servers with data to serve: codebase-mcp with the fixture
// repository indexed in its default project, workflow-mcp asking it about
// code references, with projects, entities and work items, one of them
// linked to a search hit.
type world struct {
	cb, wf   *suitetest.Server
	jobID    string
	projects []string // workflow projects; calls other than switch_project use the first
	linked   int64    // the work item with one code reference
}

// entities and workItems are how many of each the first project holds.
const (
	entities  = 200
	workItems = 40
)

// queries are what the load searches for.
var queries = []string{
	"parse the configuration file", "compute the total of a list", "format a date for display",
	"retry a request with backoff", "validate user input", "open a database connection",
	"sort items by name", "read a file into memory", "render a template", "hash a password",
}

func newWorld(tb testing.TB, set settings) *world {
	tb.Helper()
	root := tb.TempDir()
	repo := filepath.Join(root, "fixture")
	if err := fixture.Generate(repo, set.files, 7); err != nil {
		tb.Fatal(err)
	}
	w := &world{}
	w.cb = suitetest.StartCodebase(tb, suitetest.CodebaseConfig{Roots: []string{root}})
	w.wf = suitetest.StartWorkflow(tb, suitetest.WorkflowConfig{CodebaseURL: w.cb.URL, CodebaseTimeout: 10 * time.Second})
	code, work := suitetest.Connect(tb, w.cb.URL), suitetest.Connect(tb, w.wf.URL)

	w.jobID = code.Index(repo, nil)["job_id"].(string)
	hits := suitetest.List(code.OK("search_code", map[string]any{"query": queries[0], "limit": 1}), "hits")
	if len(hits) != 1 {
		tb.Fatalf("search_code %q found nothing in the fixture", queries[0])
	}

	for i := range 4 {
		name := fmt.Sprintf("obs-%d", i)
		work.OK("create_project", map[string]any{"name": name})
		w.projects = append(w.projects, name)
	}
	p := w.projects[0]
	work.OK("register_entity_type", map[string]any{"project": p, "name": "note", "schema": map[string]any{
		"type": "object", "required": []any{"text"}, "properties": map[string]any{"text": map[string]any{"type": "string"}}}})
	for i := range entities {
		work.OK("create_entity", map[string]any{"project": p, "type": "note", "name": fmt.Sprintf("note-%d", i),
			"data": map[string]any{"text": fmt.Sprintf("observation %d", i)}, "tags": []any{fmt.Sprintf("t%d", i%5)}})
	}
	for i := range workItems {
		id := suitetest.Num(work.OK("create_work_item", map[string]any{"project": p, "type": "task", "title": fmt.Sprintf("task %d", i)}), "work_item", "id")
		if i == 0 {
			w.linked = id
		}
	}
	h := hits[0]
	work.OK("link_code", map[string]any{"project": p, "work_item": w.linked, "repository": h["repository"], "path": h["path"],
		"symbol": h["symbol"], "start_line": h["start_line"], "end_line": h["end_line"], "content_hash": h["content_hash"]})
	return w
}

// badQuery marks the deliberate user errors of the load: search_code with
// an empty query, which codebase-mcp refuses with a tool error.
const badQuery = ""

// codebaseCall is the codebase-mcp mix: mostly search_code, some
// list_projects and get_indexing_status, and 5% refused searches.
func (w *world) codebaseCall(rnd *rand.Rand) suitetest.Call {
	switch r := rnd.IntN(100); {
	case r < 75:
		return suitetest.Call{Tool: "search_code", Args: map[string]any{"query": queries[rnd.IntN(len(queries))], "limit": 10}}
	case r < 85:
		return suitetest.Call{Tool: "list_projects", Args: map[string]any{}}
	case r < 95:
		return suitetest.Call{Tool: "get_indexing_status", Args: map[string]any{"job_id": w.jobID}}
	default:
		return suitetest.Call{Tool: "search_code", Args: map[string]any{"query": badQuery}}
	}
}

// workflowCall is the workflow-mcp mix of the old load scripts (switch
// project, query entities, query work items), with code reference checks,
// which call codebase-mcp, and entity writes.
func (w *world) workflowCall(worker int, rnd *rand.Rand, seq *int) suitetest.Call {
	p := w.projects[0]
	switch r := rnd.IntN(100); {
	case r < 35:
		return suitetest.Call{Tool: "switch_project", Args: map[string]any{"project": w.projects[rnd.IntN(len(w.projects))]}}
	case r < 70:
		args := map[string]any{"project": p, "type": "note", "limit": 20}
		if rnd.IntN(2) == 0 {
			args["tags"] = []any{fmt.Sprintf("t%d", rnd.IntN(5))}
		}
		return suitetest.Call{Tool: "query_entities", Args: args}
	case r < 85:
		return suitetest.Call{Tool: "query_work_items", Args: map[string]any{"project": p, "ready": true, "limit": 20}}
	case r < 95:
		return suitetest.Call{Tool: "check_code_references", Args: map[string]any{"project": p, "work_item": w.linked}}
	default:
		*seq++
		return suitetest.Call{Tool: "create_entity", Args: map[string]any{"project": p, "type": "note",
			"name": fmt.Sprintf("load-%d-%d", worker, *seq), "data": map[string]any{"text": "written under load"}}}
	}
}

// load is one run of the mix on both servers.
type load struct {
	w        *world
	cbs, wfs []*client.Client
	// seqs number each workflow client's entities, across runs, so that
	// their names stay unique.
	seqs  []int
	mu    sync.Mutex
	tally tally
}

// tally counts what the clients saw.
type tally struct {
	// calls counts results by server, tool and class: "ok", "refused" (a
	// deliberate bad call, answered with a tool error as it must be) or
	// "error" (another tool error: a server overloaded past its pool's
	// acquire timeout says it is busy, for one).
	calls map[string]map[string]map[string]int
	// refChecks counts check_code_references results without a notice:
	// each asked codebase-mcp once (the item has one reference).
	// refNotices counts those with a notice: codebase-mcp did not answer in
	// time, and may or may not have counted the call.
	refChecks, refNotices int
	// failures are transport errors and deliberate bad calls that
	// succeeded: the suite fails on them.
	failures []string
	// unexpected are the other tool errors, reported but not failed on:
	// they depend on how loaded the machine is, and the accounting checks
	// cover them all the same.
	unexpected []string
	// n counts every outcome recorded.
	n int
}

func newLoad(tb testing.TB, w *world, clients int) *load {
	tb.Helper()
	ctx := context.Background()
	cbs, err := suitetest.DialMany(ctx, w.cb.URL, clients/2)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { suitetest.CloseAll(cbs) })
	wfs, err := suitetest.DialMany(ctx, w.wf.URL, clients-clients/2)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { suitetest.CloseAll(wfs) })
	return &load{w: w, cbs: cbs, wfs: wfs, seqs: make([]int, len(wfs)), tally: tally{calls: map[string]map[string]map[string]int{}}}
}

// run drives both servers until ctx ends or every client has made calls
// calls (calls <= 0: until ctx ends), each client pausing think between
// calls.
func (l *load) run(ctx context.Context, calls int, think suitetest.Think) {
	var wg sync.WaitGroup
	wg.Go(func() {
		suitetest.Drive(ctx, l.cbs, calls, think, func(_ int, rnd *rand.Rand) suitetest.Call { return l.w.codebaseCall(rnd) },
			func(o suitetest.Outcome) { l.record(l.w.cb.Name, o) })
	})
	wg.Go(func() {
		suitetest.Drive(ctx, l.wfs, calls, think, func(worker int, rnd *rand.Rand) suitetest.Call { return l.w.workflowCall(worker, rnd, &l.seqs[worker]) },
			func(o suitetest.Outcome) { l.record(l.w.wf.Name, o) })
	})
	wg.Wait()
}

func (l *load) record(server string, o suitetest.Outcome) {
	l.mu.Lock()
	defer l.mu.Unlock()
	t := &l.tally
	t.n++
	if o.Err != nil {
		t.failures = append(t.failures, fmt.Sprintf("%s %s: %v", server, o.Call.Tool, o.Err))
		return
	}
	bad := o.Call.Tool == "search_code" && o.Call.Args["query"] == badQuery
	class := "ok"
	switch {
	case bad && o.Result.IsError:
		class = "refused"
	case bad:
		t.failures = append(t.failures, fmt.Sprintf("%s search_code with an empty query succeeded: %s", server, suitetest.Text(o.Result)))
	case o.Result.IsError:
		class = "error"
		t.unexpected = append(t.unexpected, fmt.Sprintf("%s %s: %s", server, o.Call.Tool, suitetest.Text(o.Result)))
	}
	if o.Call.Tool == "check_code_references" && !o.Result.IsError {
		out, err := suitetest.Result(o.Result)
		switch {
		case err != nil:
			t.failures = append(t.failures, fmt.Sprintf("%s check_code_references: %v", server, err))
		case out["notice"] != nil:
			t.refNotices++
			t.unexpected = append(t.unexpected, fmt.Sprintf("%s check_code_references: %v", server, out["notice"]))
		default:
			t.refChecks++
		}
	}
	if t.calls[server] == nil {
		t.calls[server] = map[string]map[string]int{}
	}
	if t.calls[server][o.Call.Tool] == nil {
		t.calls[server][o.Call.Tool] = map[string]int{}
	}
	t.calls[server][o.Call.Tool][class]++
}
