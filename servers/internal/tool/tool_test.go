package tool_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/perfgate/perfgate/servers/internal/mcptest"
	"github.com/perfgate/perfgate/servers/internal/tool"
)

var update = flag.Bool("update", false, "rewrite the golden files")

type greetIn struct {
	Name  string `json:"name" jsonschema:"Who to greet"`
	Times int    `json:"times,omitempty" jsonschema:"How many greetings, 1 to 3 (default 1)"`
}

type greetOut struct {
	Greetings []string `json:"greetings" jsonschema:"One greeting per time"`
	RequestID string   `json:"request_id" jsonschema:"The call's request id"`
}

// retryableErr stands for pgdb's errors: the tool package sees them only
// through their methods.
type retryableErr struct{ kind string }

func (e retryableErr) Error() string       { return "pool exhausted after 2s (cause for the log)" }
func (e retryableErr) UserMessage() string { return "the server is busy: retry in a few seconds" }
func (e retryableErr) Retryable() bool     { return true }
func (e retryableErr) Kind() string        { return e.kind }

// recorder is a hand-written tool.Recorder.
type recorder struct {
	mu       sync.Mutex
	started  map[string]int
	outcomes map[string]int // "tool/outcome"
}

var _ tool.Recorder = (*recorder)(nil)

func (r *recorder) CallStarted(name string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.started[name]++
}

func (r *recorder) CallFinished(name, outcome string, latency time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if latency <= 0 {
		panic("non-positive latency")
	}
	r.outcomes[name+"/"+outcome]++
}

type fixture struct {
	client *client.Client
	logs   *mcptest.SyncBuffer
	rec    *recorder
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{logs: &mcptest.SyncBuffer{}, rec: &recorder{started: map[string]int{}, outcomes: map[string]int{}}}
	logger := slog.New(slog.NewJSONHandler(f.logs, nil))
	s := server.NewMCPServer("tooltest", "1.0.0",
		server.WithToolCapabilities(false),
		server.WithToolHandlerMiddleware(tool.Observe(logger, f.rec)))

	tool.Add(s, tool.Spec{
		Name:        "greet",
		Title:       "Greet",
		Description: "Greets someone by name.",
		ReadOnly:    true,
	}, func(ctx context.Context, in greetIn) (greetOut, error) {
		if in.Times == 0 {
			in.Times = 1
		}
		if in.Times > 3 {
			return greetOut{}, tool.Errorf("times is %d: pass 1 to 3", in.Times)
		}
		out := greetOut{RequestID: tool.RequestID(ctx)}
		for range in.Times {
			out.Greetings = append(out.Greetings, "hello, "+in.Name)
		}
		return out, nil
	})
	tool.Add(s, tool.Spec{Name: "fail", Description: "Fails the way its argument says.", Destructive: true},
		func(ctx context.Context, in struct {
			How string `json:"how" jsonschema:"internal, busy, unavailable, panic or wrapped_user"`
		}) (struct{}, error) {
			switch in.How {
			case "internal":
				return struct{}{}, fmt.Errorf("query items: %w", errors.New("relation \"items\" does not exist"))
			case "busy", "unavailable":
				return struct{}{}, fmt.Errorf("search: %w", retryableErr{in.How})
			case "panic":
				panic("boom")
			case "wrapped_user":
				return struct{}{}, fmt.Errorf("load project: %w", tool.Errorf("project %q does not exist: call list_projects", "x"))
			}
			return struct{}{}, nil
		})
	// A tool added without Add: its errors go through Observe only.
	s.AddTool(mcp.NewTool("raw", mcp.WithDescription("A hand-built tool."), mcp.WithString("mode")),
		func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			switch req.GetString("mode", "") {
			case "error":
				return nil, errors.New("disk on fire")
			case "tool_error":
				return mcp.NewToolResultError("try again with mode=ok"), nil
			}
			return mcp.NewToolResultText("fine"), nil
		})

	c, err := client.NewInProcessClient(s)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Initialize(t.Context(), mcp.InitializeRequest{}); err != nil {
		t.Fatal(err)
	}
	f.client = c
	return f
}

func (f *fixture) call(t *testing.T, name string, args map[string]any) *mcp.CallToolResult {
	t.Helper()
	res, err := f.client.CallTool(t.Context(), mcp.CallToolRequest{Params: mcp.CallToolParams{Name: name, Arguments: args}})
	if err != nil {
		t.Fatalf("call %s: %v", name, err)
	}
	return res
}

func text(res *mcp.CallToolResult) string {
	for _, c := range res.Content {
		if t, ok := c.(mcp.TextContent); ok {
			return t.Text
		}
	}
	return ""
}

type logLine struct {
	Level     string   `json:"level"`
	Msg       string   `json:"msg"`
	RequestID string   `json:"request_id"`
	Tool      string   `json:"tool"`
	LatencyMS *float64 `json:"latency_ms"`
	Outcome   string   `json:"outcome"`
	Error     string   `json:"error"`
}

func (f *fixture) lines(t *testing.T) []logLine {
	t.Helper()
	var out []logLine
	for _, raw := range strings.Split(strings.TrimSpace(f.logs.String()), "\n") {
		if raw == "" {
			continue
		}
		var l logLine
		if err := json.Unmarshal([]byte(raw), &l); err != nil {
			t.Fatalf("log line is not JSON: %q: %v", raw, err)
		}
		out = append(out, l)
	}
	return out
}

func TestOutcomes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		tool       string
		args       map[string]any
		isError    bool
		outcome    string
		shown      string // substring of the text the caller sees
		hidden     string // must not be shown to the caller
		logged     string // substring of the log line's error; "" for none
		level      string
		structured bool
	}{
		{name: "ok", tool: "greet", args: map[string]any{"name": "ada", "times": 2},
			outcome: "ok", shown: `"greetings":["hello, ada","hello, ada"]`, level: "INFO", structured: true},
		{name: "missing required", tool: "greet", args: map[string]any{},
			isError: true, outcome: "invalid_arguments", shown: "invalid arguments for greet: /: missing property 'name'", logged: "missing property", level: "INFO"},
		{name: "wrong type", tool: "greet", args: map[string]any{"name": "ada", "times": "two"},
			isError: true, outcome: "invalid_arguments", shown: "/times: got string, want integer", level: "INFO"},
		{name: "unknown argument", tool: "greet", args: map[string]any{"name": "ada", "colour": "red"},
			isError: true, outcome: "invalid_arguments", shown: "colour", level: "INFO"},
		{name: "user error", tool: "greet", args: map[string]any{"name": "ada", "times": 9},
			isError: true, outcome: "user_error", shown: "times is 9: pass 1 to 3", logged: "times is 9", level: "INFO"},
		{name: "wrapped user error shows only its message", tool: "fail", args: map[string]any{"how": "wrapped_user"},
			isError: true, outcome: "user_error", shown: `project "x" does not exist: call list_projects`, hidden: "load project", logged: "load project", level: "INFO"},
		{name: "internal", tool: "fail", args: map[string]any{"how": "internal"},
			isError: true, outcome: "internal_error", shown: "internal error (request id ", hidden: "relation", logged: `query items: relation "items" does not exist`, level: "ERROR"},
		{name: "busy", tool: "fail", args: map[string]any{"how": "busy"},
			isError: true, outcome: "busy", shown: "the server is busy: retry in a few seconds", hidden: "pool exhausted", logged: "pool exhausted", level: "WARN"},
		{name: "unavailable", tool: "fail", args: map[string]any{"how": "unavailable"},
			isError: true, outcome: "unavailable", shown: "retry", logged: "search: pool exhausted", level: "WARN"},
		{name: "panic", tool: "fail", args: map[string]any{"how": "panic"},
			isError: true, outcome: "internal_error", shown: "internal error (request id ", hidden: "boom", logged: "panic: boom", level: "ERROR"},
		{name: "raw ok", tool: "raw", args: map[string]any{"mode": "ok"}, outcome: "ok", shown: "fine", level: "INFO"},
		{name: "raw error", tool: "raw", args: map[string]any{"mode": "error"},
			isError: true, outcome: "internal_error", shown: "internal error (request id ", hidden: "fire", logged: "disk on fire", level: "ERROR"},
		{name: "raw tool error", tool: "raw", args: map[string]any{"mode": "tool_error"},
			isError: true, outcome: "tool_error", shown: "try again with mode=ok", logged: "try again", level: "INFO"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			res := f.call(t, tt.tool, tt.args)
			got := text(res)
			if res.IsError != tt.isError {
				t.Fatalf("isError = %v, want %v (text %q)", res.IsError, tt.isError, got)
			}
			if !strings.Contains(got, tt.shown) {
				t.Fatalf("caller sees %q, want it to contain %q", got, tt.shown)
			}
			if tt.hidden != "" && strings.Contains(got, tt.hidden) {
				t.Fatalf("caller sees %q, which shows %q", got, tt.hidden)
			}
			if tt.structured != (res.StructuredContent != nil) {
				t.Fatalf("structured content %v, want present=%v", res.StructuredContent, tt.structured)
			}

			lines := f.lines(t)
			if len(lines) != 1 {
				t.Fatalf("%d log lines, want 1: %s", len(lines), f.logs)
			}
			l := lines[0]
			if l.Msg != "tool call" || l.Tool != tt.tool || l.Outcome != tt.outcome || l.Level != tt.level ||
				len(l.RequestID) != 16 || l.LatencyMS == nil || *l.LatencyMS < 0 {
				t.Fatalf("log line %+v: want msg \"tool call\", tool %s, outcome %s, level %s, a request id and a latency",
					l, tt.tool, tt.outcome, tt.level)
			}
			if !strings.Contains(l.Error, tt.logged) || (tt.outcome == "ok") != (l.Error == "") {
				t.Fatalf("logged error %q, want %q", l.Error, tt.logged)
			}
			if strings.HasPrefix(tt.shown, "internal error") && !strings.Contains(got, "(request id "+l.RequestID+")") {
				t.Fatalf("caller sees %q, want the log line's request id %s", got, l.RequestID)
			}
			if strings.Contains(f.logs.String(), `"ada"`) {
				t.Fatalf("the log shows argument values: %s", f.logs)
			}
			if f.rec.started[tt.tool] != 1 || f.rec.outcomes[tt.tool+"/"+tt.outcome] != 1 {
				t.Fatalf("recorder saw started %v, finished %v", f.rec.started, f.rec.outcomes)
			}
		})
	}
}

func TestRequestIDInHandler(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	res := f.call(t, "greet", map[string]any{"name": "ada"})
	var out greetOut
	if err := json.Unmarshal([]byte(text(res)), &out); err != nil {
		t.Fatal(err)
	}
	if l := f.lines(t); len(l) != 1 || out.RequestID != l[0].RequestID {
		t.Fatalf("handler saw request id %q, log has %+v", out.RequestID, l)
	}
}

// The tool list, with schemas and hints, is what clients and models see.
func TestToolsGolden(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	res, err := f.client.ListTools(t.Context(), mcp.ListToolsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := json.MarshalIndent(res.Tools, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "tools.golden.json", append(got, '\n'))
}

func TestAddRejectsBadSpecs(t *testing.T) {
	t.Parallel()
	s := server.NewMCPServer("x", "1")
	h := func(context.Context, greetIn) (greetOut, error) { return greetOut{}, nil }
	tests := []struct {
		name string
		add  func()
		want string
	}{
		{"camelCase name", func() { tool.Add(s, tool.Spec{Name: "searchCode", Description: "d"}, h) }, "snake_case"},
		{"no description", func() { tool.Add(s, tool.Spec{Name: "search_code"}, h) }, "no description"},
		{"non-struct output", func() {
			tool.Add(s, tool.Spec{Name: "list_names", Description: "d"},
				func(context.Context, greetIn) ([]string, error) { return nil, nil })
		}, "not a struct"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				p := recover()
				if p == nil || !strings.Contains(fmt.Sprint(p), tt.want) {
					t.Fatalf("panic %v, want one mentioning %q", p, tt.want)
				}
			}()
			tt.add()
		})
	}
}

func TestProgress(t *testing.T) {
	t.Parallel()
	s := server.NewMCPServer("x", "1", server.WithToolCapabilities(false))
	tool.Add(s, tool.Spec{Name: "count_up", Description: "Counts to three, reporting progress."},
		func(ctx context.Context, _ struct{}) (struct{ Done bool }, error) {
			for i := 1; i <= 3; i++ {
				if err := tool.Progress(ctx, float64(i), 3, fmt.Sprintf("step %d", i)); err != nil {
					return struct{ Done bool }{}, err
				}
			}
			return struct{ Done bool }{true}, nil
		})
	c, err := client.NewInProcessClient(s)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var mu sync.Mutex
	var got []string
	c.OnNotification(func(n mcp.JSONRPCNotification) {
		if n.Method == string(mcp.MethodNotificationProgress) {
			mu.Lock()
			got = append(got, fmt.Sprintf("%v %v", n.Params.AdditionalFields["progress"], n.Params.AdditionalFields["message"]))
			mu.Unlock()
		}
	})
	if err := c.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Initialize(t.Context(), mcp.InitializeRequest{}); err != nil {
		t.Fatal(err)
	}
	req := mcp.CallToolRequest{Params: mcp.CallToolParams{Name: "count_up", Meta: &mcp.Meta{ProgressToken: "p1"}}}
	res, err := c.CallTool(t.Context(), req)
	if err != nil || res.IsError {
		t.Fatalf("call: %v %v", err, res)
	}
	// Notifications reach the handler asynchronously.
	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		joined := strings.Join(got, ",")
		mu.Unlock()
		if joined == "1 step 1,2 step 2,3 step 3" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("progress notifications %q", joined)
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Without a token, Progress does nothing and does not fail.
	if res, err := c.CallTool(t.Context(), mcp.CallToolRequest{Params: mcp.CallToolParams{Name: "count_up"}}); err != nil || res.IsError {
		t.Fatalf("call without a progress token: %v %v", err, res)
	}
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
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s differs (go test -update rewrites it):\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}
