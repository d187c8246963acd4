package observability_test

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/perfgate/perfgate/servers/internal/pgdb"
	"github.com/perfgate/perfgate/servers/suites/internal/suitetest"
)

// TestCallsAccountedUnderLoad drives both servers with concurrent clients,
// then checks that each server's /metrics counts exactly the calls made,
// by tool and outcome, and that its log has exactly one well-formed line
// per call. codebase-mcp's count includes the get_code_reference_status
// calls workflow-mcp made for check_code_references.
func TestCallsAccountedUnderLoad(t *testing.T) {
	set := loadSettings(t)
	w := newWorld(t, set)
	l := newLoad(t, w, set.clients)
	servers := []*suitetest.Server{w.cb, w.wf}
	before := map[string]scrape{}
	logStart := map[string]int{}
	for _, s := range servers {
		before[s.Name] = scrapeMetrics(t, s)
		logStart[s.Name] = len(s.Logs.Lines())
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	l.run(ctx, set.calls, suitetest.Think{})
	if ctx.Err() != nil {
		t.Fatalf("the load did not finish its %d calls per client within 2 minutes", set.calls)
	}
	tl := l.tally
	if n := len(tl.failures); n > 0 {
		t.Errorf("%d calls failed, e.g.: %s", n, strings.Join(tl.failures[:min(n, 5)], "; "))
	}
	if n := len(tl.unexpected); n > 0 {
		t.Logf("%d calls answered with a tool error under load (accounted for all the same), e.g.: %s", n, strings.Join(tl.unexpected[:min(n, 5)], "; "))
	}
	if want := set.clients * set.calls; tl.n != want {
		t.Fatalf("%d calls recorded, want %d", tl.n, want)
	}
	if tl.refChecks+tl.refNotices == 0 {
		t.Fatal("the load made no check_code_references call: raise OBSERVABILITY_CALLS")
	}

	// What each server must have counted, by tool: the clients' calls,
	// and on codebase-mcp the reference checks workflow-mcp made.
	want := map[string]map[string]calls{}
	for server, tools := range tl.calls {
		want[server] = map[string]calls{}
		for tool, classes := range tools {
			want[server][tool] = calls{ok: classes["ok"], refused: classes["refused"], errors: classes["refused"] + classes["error"]}
		}
	}
	want[w.cb.Name]["get_code_reference_status"] = calls{anyOutcome: true, min: tl.refChecks, max: tl.refChecks + tl.refNotices}

	for _, s := range servers {
		after := scrapeMetrics(t, s)
		logs := parseToolCallLines(t, s, logStart[s.Name])
		checkAccounts(t, s.Name, want[s.Name], before[s.Name], after, logs)
		// The pool gauges and the build info are there too; the calls
		// acquired connections.
		if v := after.value("mcp_db_pool_max_conns"); v != pgdb.DefaultMaxConns {
			t.Errorf("%s: mcp_db_pool_max_conns = %v, want the default %d", s.Name, v, pgdb.DefaultMaxConns)
		}
		if a, b := after.value("mcp_db_pool_acquires_total"), before[s.Name].value("mcp_db_pool_acquires_total"); b < 0 || a <= b {
			t.Errorf("%s: mcp_db_pool_acquires_total went from %v to %v under load, want it to grow", s.Name, b, a)
		}
		if v := after.value("mcp_build_info"); v != 1 {
			t.Errorf("%s: mcp_build_info = %v, want 1", s.Name, v)
		}
	}
}

// calls is what a server must have counted of one tool.
type calls struct {
	// ok calls succeeded; errors got a tool error, refused of them
	// deliberately (their outcome must be user_error).
	ok, errors, refused int
	// anyOutcome: only the total is known, from min to max (calls another
	// server made).
	anyOutcome bool
	min, max   int
}

// toolCallLine is a "tool call" line of a server's JSON log.
type toolCallLine struct {
	RequestID string   `json:"request_id"`
	Tool      string   `json:"tool"`
	LatencyMS *float64 `json:"latency_ms"`
	Outcome   string   `json:"outcome"`
	Error     string   `json:"error"`
}

// parseToolCallLines reads a server's log from line start on: every line
// must be a JSON object; the "tool call" ones must carry request_id, tool,
// latency_ms and outcome (and error when the outcome is not ok), with a
// request_id no other line has.
func parseToolCallLines(t *testing.T, s *suitetest.Server, start int) []toolCallLine {
	t.Helper()
	var out []toolCallLine
	seen := map[string]bool{}
	for i, line := range s.Logs.Lines()[start:] {
		var head struct {
			Msg string `json:"msg"`
		}
		if err := json.Unmarshal([]byte(line), &head); err != nil {
			t.Errorf("%s log line %d is not JSON: %v: %s", s.Name, start+i+1, err, line)
			continue
		}
		if head.Msg != "tool call" {
			continue
		}
		var c toolCallLine
		if err := json.Unmarshal([]byte(line), &c); err != nil {
			t.Errorf("%s tool call line: %v: %s", s.Name, err, line)
			continue
		}
		switch {
		case c.RequestID == "" || c.Tool == "" || c.Outcome == "" || c.LatencyMS == nil || *c.LatencyMS < 0:
			t.Errorf("%s tool call line lacks request_id, tool, outcome or latency_ms: %s", s.Name, line)
		case c.Outcome != "ok" && c.Error == "":
			t.Errorf("%s tool call line with outcome %s has no error: %s", s.Name, c.Outcome, line)
		case seen[c.RequestID]:
			t.Errorf("%s: request_id %s on two lines", s.Name, c.RequestID)
		}
		seen[c.RequestID] = true
		out = append(out, c)
	}
	return out
}

// checkAccounts compares what the clients made (want, by tool), the change
// of the server's metrics during the load and its log lines: the log and
// the metrics must agree exactly by tool and outcome, and with the clients
// by tool on successes and errors.
func checkAccounts(t *testing.T, server string, want map[string]calls, before, after scrape, logs []toolCallLine) {
	t.Helper()
	logged := map[[2]string]int{}
	logSum := map[string]float64{}
	for _, c := range logs {
		logged[[2]string{c.Tool, c.Outcome}]++
		logSum[c.Tool] += *c.LatencyMS / 1000
	}
	keys := map[[2]string]bool{}
	for _, m := range []map[[2]string]float64{before.calls, after.calls} {
		for k := range m {
			keys[k] = true
		}
	}
	for k := range logged {
		keys[k] = true
	}
	// By tool: calls that succeeded, failed, and all of them.
	ok, failed, total := map[string]int{}, map[string]int{}, map[string]int{}
	for _, k := range slices.SortedFunc(maps.Keys(keys), func(a, b [2]string) int {
		return strings.Compare(a[0]+"/"+a[1], b[0]+"/"+b[1])
	}) {
		tool, outcome := k[0], k[1]
		counted := int(after.calls[k] - before.calls[k])
		if logged[k] != counted {
			t.Errorf("%s: %d log lines of tool %s with outcome %s, and mcp_tool_calls_total grew by %d: want one line per call", server, logged[k], tool, outcome, counted)
		}
		total[tool] += counted
		if outcome == "ok" {
			ok[tool] += counted
			continue
		}
		failed[tool] += counted
		if e := int(after.errors[k] - before.errors[k]); e != counted {
			t.Errorf("%s: mcp_tool_errors_total{tool=%q,outcome=%q} grew by %d, mcp_tool_calls_total by %d: want them equal", server, tool, outcome, e, counted)
		}
	}
	for _, tool := range slices.Sorted(maps.Keys(total)) {
		w := want[tool]
		switch {
		case w.anyOutcome:
			if total[tool] < w.min || total[tool] > w.max {
				t.Errorf("%s: %s counted %d calls, want %d to %d", server, tool, total[tool], w.min, w.max)
			}
		case ok[tool] != w.ok || failed[tool] != w.errors:
			t.Errorf("%s: %s counted %d ok and %d failed calls, the clients got %d and %d", server, tool, ok[tool], failed[tool], w.ok, w.errors)
		}
		if u := int(after.calls[[2]string{tool, "user_error"}] - before.calls[[2]string{tool, "user_error"}]); u < w.refused {
			t.Errorf("%s: %s counted %d user errors, want at least the %d refused bad calls", server, tool, u, w.refused)
		}
		if c := after.count[tool] - before.count[tool]; c != uint64(total[tool]) {
			t.Errorf("%s: mcp_tool_call_duration_seconds_count{tool=%q} grew by %d, want %d", server, tool, c, total[tool])
		}
		// The log rounds each latency down to the microsecond; the
		// histogram keeps it whole.
		sum := after.sum[tool] - before.sum[tool]
		if d := sum - logSum[tool]; d < -1e-9 || d > float64(total[tool])*1e-6+1e-9 {
			t.Errorf("%s: latency of %s: histogram sum %.6fs, log sum %.6fs; want them equal to the microsecond per call", server, tool, sum, logSum[tool])
		}
	}
	for tool, w := range want {
		if _, ok := total[tool]; !ok && (w.ok > 0 || w.errors > 0 || w.min > 0) {
			t.Errorf("%s: no count of %s in /metrics, want %+v", server, tool, w)
		}
	}
	for tool, v := range after.inFlight {
		if v != 0 {
			t.Errorf("%s: mcp_tool_calls_in_flight{tool=%q} = %v after the load, want 0", server, tool, v)
		}
	}
	all, called := 0, 0
	for _, n := range total {
		all += n
		if n > 0 {
			called++
		}
	}
	if called < 4 {
		t.Errorf("%s: the load called %d tools, want at least 4", server, called)
	}
	t.Logf("%s: %d calls of %d tools accounted for in /metrics and in %d log lines", server, all, called, len(logs))
}
