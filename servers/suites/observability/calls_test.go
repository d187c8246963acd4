package observability_test

import (
	"context"
	"encoding/json"
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
	l.run(ctx, set.calls)
	if ctx.Err() != nil {
		t.Fatalf("the load did not finish its %d calls per client within 2 minutes", set.calls)
	}
	if n := len(l.tally.failures); n > 0 {
		t.Errorf("%d calls failed unexpectedly, e.g.: %s", n, strings.Join(l.tally.failures[:min(n, 5)], "; "))
	}
	if want := set.clients * set.calls; l.tally.n != want {
		t.Fatalf("%d calls recorded, want %d", l.tally.n, want)
	}

	// What each server must have counted: the clients' calls, by tool and
	// outcome ("ok", or "user_error" for the refused searches), and on
	// codebase-mcp the reference checks workflow-mcp made.
	want := map[string]map[[2]string]int{}
	for server, tools := range l.tally.calls {
		want[server] = map[[2]string]int{}
		for tool, classes := range tools {
			want[server][[2]string{tool, "ok"}] += classes["ok"]
			if classes["error"] > 0 {
				want[server][[2]string{tool, "user_error"}] += classes["error"]
			}
		}
	}
	if l.tally.refChecks == 0 {
		t.Fatal("the load made no check_code_references call: raise OBSERVABILITY_CALLS")
	}
	want[w.cb.Name][[2]string{"get_code_reference_status", "ok"}] += l.tally.refChecks

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

// checkAccounts compares what the clients made (want), the change of the
// server's metrics during the load and its log lines.
func checkAccounts(t *testing.T, server string, want map[[2]string]int, before, after scrape, logs []toolCallLine) {
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
	for k := range want {
		keys[k] = true
	}
	for k := range logged {
		keys[k] = true
	}
	perTool := map[string]int{}
	for _, k := range slices.SortedFunc(func(yield func([2]string) bool) {
		for k := range keys {
			if !yield(k) {
				return
			}
		}
	}, func(a, b [2]string) int { return strings.Compare(a[0]+"/"+a[1], b[0]+"/"+b[1]) }) {
		tool, outcome := k[0], k[1]
		counted := after.calls[k] - before.calls[k]
		if counted != float64(want[k]) {
			t.Errorf("%s: mcp_tool_calls_total{tool=%q,outcome=%q} grew by %v, want %d", server, tool, outcome, counted, want[k])
		}
		if logged[k] != want[k] {
			t.Errorf("%s: %d log lines of tool %s with outcome %s, want %d (one per call)", server, logged[k], tool, outcome, want[k])
		}
		if outcome != "ok" {
			if e := after.errors[k] - before.errors[k]; e != float64(want[k]) {
				t.Errorf("%s: mcp_tool_errors_total{tool=%q,outcome=%q} grew by %v, want %d", server, tool, outcome, e, want[k])
			}
		}
		perTool[tool] += want[k]
	}
	for tool, n := range perTool {
		if c := after.count[tool] - before.count[tool]; c != uint64(n) {
			t.Errorf("%s: mcp_tool_call_duration_seconds_count{tool=%q} grew by %d, want %d", server, tool, c, n)
		}
		// The log rounds each latency down to the microsecond; the
		// histogram keeps it whole.
		sum := after.sum[tool] - before.sum[tool]
		if d := sum - logSum[tool]; d < -1e-9 || d > float64(n)*1e-6+1e-9 {
			t.Errorf("%s: latency of %s: histogram sum %.6fs, log sum %.6fs; want them equal to the microsecond per call", server, tool, sum, logSum[tool])
		}
	}
	for tool, v := range after.inFlight {
		if v != 0 {
			t.Errorf("%s: mcp_tool_calls_in_flight{tool=%q} = %v after the load, want 0", server, tool, v)
		}
	}
	total, called := 0, 0
	for _, n := range perTool {
		total += n
		if n > 0 {
			called++
		}
	}
	if called < 4 {
		t.Errorf("%s: the load called %d tools, want at least 4", server, called)
	}
	t.Logf("%s: %d calls of %d tools accounted for in /metrics and in %d log lines", server, total, called, len(logs))
}
