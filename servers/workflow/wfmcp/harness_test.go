package wfmcp_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/perfgate/perfgate/internal/pgtest"
	"github.com/perfgate/perfgate/servers/internal/mcpserver"
	"github.com/perfgate/perfgate/servers/internal/mcptest"
	"github.com/perfgate/perfgate/servers/workflow/wfserver"
)

// env is a workflow-mcp serving streamable HTTP in this process, on a
// database of its own.
type env struct {
	srv  *mcpserver.Server
	url  string // http://127.0.0.1:port/mcp
	logs *syncBuffer

	outputs mcptest.Schemas
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
	return mcptest.Connect(t, e.url, mcptest.Options{})
}

// session is a client bound to its env, for terse tests: OK checks every
// result against the tool's output schema.
type session struct {
	t   testing.TB
	env *env
	c   *client.Client
}

func (e *env) session(t testing.TB) *session {
	return &session{t: t, env: e, c: e.client(t)}
}

// mcpSession is the session as an mcptest.Session, checking results against the
// env's output schemas.
func (s *session) mcpSession() *mcptest.Session {
	return &mcptest.Session{T: s.t, MCP: s.c, Schemas: &s.env.outputs}
}

// call calls a tool; a transport failure fails the test.
func (s *session) call(name string, args map[string]any) *mcp.CallToolResult {
	s.t.Helper()
	return s.mcpSession().MustCall(name, args)
}

// ok calls a tool that must succeed, checks its structured result against
// the tool's output schema, and decodes it into a map.
func (s *session) ok(name string, args map[string]any) map[string]any {
	s.t.Helper()
	return s.mcpSession().OK(name, args)
}

// fail calls a tool that must fail with a message containing each want,
// and returns the message.
func (s *session) fail(name string, args map[string]any, want ...string) string {
	s.t.Helper()
	return s.mcpSession().Fail(name, args, want...)
}

// The mcptest helpers under the short names these tests use.
var (
	text = mcptest.Text
	get  = mcptest.Get
	num  = mcptest.Num
)

type syncBuffer = mcptest.SyncBuffer

// newProject creates and activates a project.
func (s *session) newProject(name string) int64 {
	s.t.Helper()
	return num(s.ok("create_project", map[string]any{"name": name, "activate": true}), "project", "id")
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
