package testserver_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/perfgate/perfgate/servers/internal/mcpserver"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// Clients on each protocol revision the servers support can list and call
// tools and read the runtime's resources.
func TestProtocolVersions(t *testing.T) {
	t.Parallel()
	h := startServer(t, nil)
	h.waitReady(t)
	for _, version := range []string{mcp.ProtocolVersion20250618, mcp.ProtocolVersion20251125, ""} {
		name := version
		if name == "" {
			name = "newest (" + mcp.LATEST_PROTOCOL_VERSION + ")"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c := h.client(t, version)
			want := version
			if want == "" {
				want = mcp.LATEST_PROTOCOL_VERSION
			}
			if got := c.ProtocolVersion(); got != want {
				t.Fatalf("negotiated protocol %q, want %q", got, want)
			}
			tools, err := c.ListTools(t.Context(), mcp.ListToolsRequest{})
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, tl := range tools.Tools {
				names = append(names, tl.Name)
			}
			slices.Sort(names)
			if strings.Join(names, ",") != "echo,record_note,sleep_query" {
				t.Fatalf("tools %v", names)
			}

			res := call(t, c, "echo", map[string]any{"message": "hi", "repeat": 2})
			if res.IsError || text(res) != `{"message":"hihi"}` {
				t.Fatalf("echo: isError %v, %q", res.IsError, text(res))
			}
			if sc, ok := res.StructuredContent.(map[string]any); !ok || sc["message"] != "hihi" {
				t.Fatalf("structured content %#v", res.StructuredContent)
			}
			if res := call(t, c, "sleep_query", map[string]any{"milliseconds": 1}); res.IsError {
				t.Fatalf("sleep_query: %s", text(res))
			}

			rr, err := c.ReadResource(t.Context(), mcp.ReadResourceRequest{Params: mcp.ReadResourceParams{URI: "health://status"}})
			if err != nil {
				t.Fatal(err)
			}
			var rep healthReport
			if err := json.Unmarshal([]byte(rr.Contents[0].(mcp.TextResourceContents).Text), &rep); err != nil {
				t.Fatal(err)
			}
			if rep.Database.Status != "up" || rep.Version != "test" || rep.Pool.Max != 10 {
				t.Fatalf("health://status %+v", rep)
			}
			rr, err = c.ReadResource(t.Context(), mcp.ReadResourceRequest{Params: mcp.ReadResourceParams{URI: "metrics://prometheus"}})
			if err != nil {
				t.Fatal(err)
			}
			families := parseMetrics(t, rr.Contents[0].(mcp.TextResourceContents).Text)
			if families["mcp_tool_calls_total"] == nil || families["mcp_db_pool_max_conns"] == nil {
				t.Fatalf("metrics://prometheus lacks the runtime's metrics")
			}
		})
	}
}

// The tools' names, schemas and hints are what clients and models see.
func TestToolsGolden(t *testing.T) {
	t.Parallel()
	h := startServer(t, nil)
	c := h.client(t, "")
	res, err := c.ListTools(t.Context(), mcp.ListToolsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(res.Tools, func(a, b mcp.Tool) int { return strings.Compare(a.Name, b.Name) })
	got, err := json.MarshalIndent(res.Tools, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "tools.golden.json", append(got, '\n'))
}

// /metrics counts exactly the calls made, and each call writes one log
// line with its request id, tool, latency and outcome.
func TestMetricsAndLogs(t *testing.T) {
	t.Parallel()
	h := startServer(t, nil)
	h.waitReady(t)
	c := h.client(t, "")

	type want struct{ tool, outcome string }
	made := map[want]int{}
	do := func(tool, outcome string, args map[string]any) string {
		res := call(t, c, tool, args)
		if res.IsError != (outcome != "ok") {
			t.Fatalf("%s %v: isError %v, %s", tool, args, res.IsError, text(res))
		}
		made[want{tool, outcome}]++
		return text(res)
	}
	for i := range 5 {
		do("echo", "ok", map[string]any{"message": fmt.Sprint(i)})
	}
	for range 2 {
		if msg := do("echo", "user_error", map[string]any{"message": ""}); msg != "message is empty: pass the text to send back" {
			t.Fatalf("user error shown as %q", msg)
		}
	}
	do("echo", "invalid_arguments", map[string]any{"message": 3})
	for range 3 {
		do("record_note", "ok", map[string]any{"note": "remember"})
	}
	internal := do("record_note", "internal_error", map[string]any{"note": strings.Repeat("x", 201)})
	do("sleep_query", "ok", map[string]any{"milliseconds": 5})

	code, body := h.get(t, "/metrics")
	if code != http.StatusOK {
		t.Fatalf("/metrics: HTTP %d", code)
	}
	families := parseMetrics(t, string(body))
	total := 0
	for w, n := range made {
		total += n
		if got := sample(t, families, "mcp_tool_calls_total", "tool", w.tool, "outcome", w.outcome); got != float64(n) {
			t.Errorf("mcp_tool_calls_total{tool=%s,outcome=%s} = %v, want %d", w.tool, w.outcome, got, n)
		}
		if w.outcome != "ok" {
			if got := sample(t, families, "mcp_tool_errors_total", "tool", w.tool, "outcome", w.outcome); got != float64(n) {
				t.Errorf("mcp_tool_errors_total{tool=%s,outcome=%s} = %v, want %d", w.tool, w.outcome, got, n)
			}
		}
	}
	for _, tool := range []string{"echo", "record_note", "sleep_query"} {
		n := 0
		for w, k := range made {
			if w.tool == tool {
				n += k
			}
		}
		if got := sample(t, families, "mcp_tool_call_duration_seconds", "tool", tool); got != float64(n) {
			t.Errorf("latency histogram of %s counts %v calls, want %d", tool, got, n)
		}
		if got := sample(t, families, "mcp_tool_calls_in_flight", "tool", tool); got != 0 {
			t.Errorf("%v calls of %s in flight, want 0", got, tool)
		}
	}

	lines := callLines(t, h.logs.String())
	if len(lines) != total {
		t.Fatalf("%d tool call log lines for %d calls:\n%s", len(lines), total, h.logs)
	}
	logged := map[want]int{}
	ids := map[string]bool{}
	for _, l := range lines {
		logged[want{l.Tool, l.Outcome}]++
		if l.RequestID == "" || ids[l.RequestID] || l.LatencyMS == nil || (l.Outcome == "ok") != (l.Error == "") {
			t.Fatalf("log line %+v: want a unique request id, a latency, and an error exactly when not ok", l)
		}
		ids[l.RequestID] = true
		if l.Outcome == "internal_error" {
			if !strings.Contains(internal, "(request id "+l.RequestID+")") || !strings.Contains(l.Error, "value too long") {
				t.Fatalf("internal error shown as %q, logged as %+v: want the log's request id shown and the cause logged", internal, l)
			}
		}
	}
	if !mapsEqual(made, logged) {
		t.Fatalf("logged outcomes %v, made %v", logged, made)
	}
	if strings.Contains(h.logs.String(), "remember") {
		t.Fatal("the log shows argument values")
	}
}

// Requests that DNS rebinding would produce are refused; local clients are
// served.
func TestHostAndOriginChecks(t *testing.T) {
	t.Parallel()
	h := startServer(t, func(c *mcpserver.Config) {
		c.AllowedOrigins = []string{"https://app.example.com"}
	})
	port := strings.TrimPrefix(h.base, "http://127.0.0.1:")
	tests := []struct {
		name, host, origin string
		code               int
	}{
		{"loopback", "127.0.0.1:" + port, "", 200},
		{"localhost with its origin", "localhost:" + port, "http://localhost:" + port, 200},
		{"allowed origin", "127.0.0.1:" + port, "https://app.example.com", 200},
		{"rebound host", "evil.example.com", "", 403},
		{"rebound host and origin", "evil.example.com", "http://evil.example.com", 403},
		{"foreign origin", "127.0.0.1:" + port, "http://evil.example.com", 403},
		{"null origin", "127.0.0.1:" + port, "null", 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, path := range []string{"/mcp", "/healthz"} {
				req := initializeRequest(t, h.base+path)
				if path == "/healthz" {
					req, _ = http.NewRequest("GET", h.base+path, nil)
				}
				req.Host = tt.host
				if tt.origin != "" {
					req.Header.Set("Origin", tt.origin)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != tt.code {
					t.Fatalf("%s with Host %q, Origin %q: HTTP %d, want %d", path, tt.host, tt.origin, resp.StatusCode, tt.code)
				}
			}
		})
	}
}

func TestBearerToken(t *testing.T) {
	t.Parallel()
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	h := startServer(t, func(c *mcpserver.Config) { c.AuthTokenFile = tokenFile })
	tests := []struct {
		name, path, auth string
		code             int
	}{
		{"mcp without token", "/mcp", "", 401},
		{"mcp with a wrong token", "/mcp", "Bearer nope", 401},
		{"mcp with the token", "/mcp", "Bearer s3cret", 200},
		{"metrics without token", "/metrics", "", 401},
		{"metrics with the token", "/metrics", "Bearer s3cret", 200},
		{"healthz needs none", "/healthz", "", 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req, _ := http.NewRequest("GET", h.base+tt.path, nil)
			if tt.path == "/mcp" {
				req = initializeRequest(t, h.base+tt.path)
			}
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			// /healthz is 503 until the database is ready: it answered.
			if got := resp.StatusCode; got != tt.code && !(tt.path == "/healthz" && got == 503) {
				t.Fatalf("HTTP %d, want %d", got, tt.code)
			}
			if tt.code == 401 && !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Fatalf("401 without a Bearer challenge")
			}
		})
	}
	// An MCP client with the token works end to end.
	c := h.client(t, "", transport.WithHTTPHeaders(map[string]string{"Authorization": "Bearer s3cret"}))
	if res := call(t, c, "echo", map[string]any{"message": "x"}); res.IsError {
		t.Fatal(text(res))
	}
}

func TestBodyLimit(t *testing.T) {
	t.Parallel()
	h := startServer(t, func(c *mcpserver.Config) { c.MaxBodyBytes = 1024 })
	big := fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"message":%q}}}`,
		strings.Repeat("x", 2048))
	for _, chunked := range []bool{false, true} {
		var body io.Reader = strings.NewReader(big)
		if chunked {
			body = io.NopCloser(body) // unknown length: sent chunked
		}
		req, _ := http.NewRequest("POST", h.base+"/mcp", body)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Fatalf("chunked=%v: HTTP %d for a body over the limit, want 413", chunked, resp.StatusCode)
		}
	}
	// Under the limit is served.
	resp, err := http.DefaultClient.Do(initializeRequest(t, h.base+"/mcp"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("HTTP %d for a small request", resp.StatusCode)
	}
}

func initializeRequest(t testing.TB, url string) *http.Request {
	t.Helper()
	body := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}`
	req, err := http.NewRequest("POST", url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	return req
}

func parseMetrics(t testing.TB, text string) map[string]*dto.MetricFamily {
	t.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	families, err := p.TextToMetricFamilies(strings.NewReader(text))
	if err != nil {
		t.Fatalf("parse metrics: %v", err)
	}
	return families
}

// sample returns the value (a histogram's count) of the sample of name
// whose labels include the given pairs, or 0 when there is none.
func sample(t testing.TB, families map[string]*dto.MetricFamily, name string, kv ...string) float64 {
	t.Helper()
	f := families[name]
	if f == nil {
		t.Fatalf("no metric %s", name)
	}
next:
	for _, m := range f.GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		for i := 0; i < len(kv); i += 2 {
			if labels[kv[i]] != kv[i+1] {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount())
		}
	}
	return 0
}

func mapsEqual[K comparable](a, b map[K]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update creates it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s differs (go test -update rewrites it):\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}
