package wfmcp_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/perfgate/perfgate/internal/pgtest"
	"github.com/perfgate/perfgate/servers/internal/mcpserver"
	"github.com/perfgate/perfgate/servers/workflow/wfserver"
)

// env is a workflow-mcp serving streamable HTTP in this process, on a
// database of its own.
type env struct {
	srv  *mcpserver.Server
	url  string // http://127.0.0.1:port/mcp
	logs *syncBuffer

	once    sync.Once
	outputs map[string]*jsonschema.Schema // output schemas by tool
}

// start serves workflow-mcp over HTTP until the test ends.
func start(t testing.TB, o wfserver.Options, mutate ...func(*mcpserver.Config)) *env {
	t.Helper()
	cfg := wfserver.Config()
	cfg.Transport = mcpserver.TransportHTTP
	cfg.Addr = "127.0.0.1:0"
	cfg.DB.URL = pgtest.URL(t)
	for _, m := range mutate {
		m(&cfg)
	}
	logs := &syncBuffer{}
	srv, err := wfserver.New(cfg, mcpserver.Options{Logger: mcpserver.NewLogger(logs, -4)}, o)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := srv.Listen()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	wctx, wcancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer wcancel()
	if err := srv.DB().WaitReady(wctx); err != nil {
		t.Fatalf("database not ready: %v\n%s", err, logs.String())
	}
	return &env{srv: srv, url: "http://" + ln.Addr().String() + "/mcp", logs: logs}
}

// client connects a new MCP client over streamable HTTP.
func (e *env) client(t testing.TB) *client.Client {
	t.Helper()
	tr, err := transport.NewStreamableHTTP(e.url)
	if err != nil {
		t.Fatal(err)
	}
	c := client.NewClient(tr)
	t.Cleanup(func() { c.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Initialize(ctx, mcp.InitializeRequest{Params: mcp.InitializeParams{
		ClientInfo: mcp.Implementation{Name: "wfmcp_test", Version: "1"},
	}}); err != nil {
		t.Fatalf("initialize: %v", err)
	}
	return c
}

// session is a client bound to its env, for terse tests.
type session struct {
	t   testing.TB
	env *env
	c   *client.Client
}

func (e *env) session(t testing.TB) *session {
	return &session{t: t, env: e, c: e.client(t)}
}

// call calls a tool; a transport failure fails the test.
func (s *session) call(name string, args map[string]any) *mcp.CallToolResult {
	s.t.Helper()
	res, err := s.c.CallTool(context.Background(), mcp.CallToolRequest{Params: mcp.CallToolParams{Name: name, Arguments: args}})
	if err != nil {
		s.t.Fatalf("call %s: %v", name, err)
	}
	return res
}

// ok calls a tool that must succeed, checks its structured result against
// the tool's output schema, and decodes it into a map.
func (s *session) ok(name string, args map[string]any) map[string]any {
	s.t.Helper()
	res := s.call(name, args)
	if res.IsError {
		s.t.Fatalf("%s(%v) failed: %s", name, args, text(res))
	}
	return s.env.checkOutput(s.t, s.c, name, res)
}

// fail calls a tool that must fail with a message containing each want,
// and returns the message.
func (s *session) fail(name string, args map[string]any, want ...string) string {
	s.t.Helper()
	res := s.call(name, args)
	msg := text(res)
	if !res.IsError {
		s.t.Fatalf("%s(%v) succeeded, want an error: %s", name, args, msg)
	}
	for _, w := range want {
		if !strings.Contains(msg, w) {
			s.t.Errorf("%s error %q\ndoes not contain %q", name, msg, w)
		}
	}
	return msg
}

func text(res *mcp.CallToolResult) string {
	for _, c := range res.Content {
		if t, ok := c.(mcp.TextContent); ok {
			return t.Text
		}
	}
	return ""
}

// checkOutput validates a result's structured content against the tool's
// output schema and returns it decoded.
func (e *env) checkOutput(t testing.TB, c *client.Client, name string, res *mcp.CallToolResult) map[string]any {
	t.Helper()
	e.once.Do(func() {
		list, err := c.ListTools(context.Background(), mcp.ListToolsRequest{})
		if err != nil {
			t.Fatalf("tools/list: %v", err)
		}
		e.outputs = map[string]*jsonschema.Schema{}
		for _, tl := range list.Tools {
			raw, err := json.Marshal(tl.OutputSchema)
			if err != nil {
				t.Fatal(err)
			}
			doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
			if err != nil {
				t.Fatal(err)
			}
			comp := jsonschema.NewCompiler()
			if err := comp.AddResource("mem:///"+tl.Name, doc); err != nil {
				t.Fatal(err)
			}
			if e.outputs[tl.Name], err = comp.Compile("mem:///" + tl.Name); err != nil {
				t.Fatalf("output schema of %s: %v", tl.Name, err)
			}
		}
	})
	raw := []byte(text(res))
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("%s: result is not JSON: %v", name, err)
	}
	if s := e.outputs[name]; s != nil {
		if err := s.Validate(doc); err != nil {
			t.Fatalf("%s: result %s breaks the output schema: %v", name, raw, err)
		}
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// syncBuffer is a bytes.Buffer safe for concurrent use.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// get walks a decoded result: get(m, "entity", "version").
func get(v any, path ...string) any {
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

// num reads a number from a decoded result.
func num(v any, path ...string) int64 {
	f, _ := get(v, path...).(float64)
	return int64(f)
}

// newProject creates and activates a project.
func (s *session) newProject(name string) int64 {
	s.t.Helper()
	return num(s.ok("create_project", map[string]any{"name": name, "activate": true}), "project", "id")
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
