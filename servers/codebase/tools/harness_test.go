package tools_test

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/perfgate/perfgate/internal/pgtest"
	"github.com/perfgate/perfgate/servers/codebase/tools/cbserver"
	"github.com/perfgate/perfgate/servers/internal/mcpserver"
	"github.com/perfgate/perfgate/servers/internal/mcptest"
)

// env is a codebase-mcp serving streamable HTTP in this process, on a
// database of its own, with a temporary directory as its root.
type env struct {
	srv  *cbserver.Server
	url  string
	root string // the allowed root, symbolic links resolved
	logs *syncBuffer
	stop func() // stops the server, as SIGTERM would

	outputs mcptest.Schemas
}

// start serves codebase-mcp over HTTP until the test ends. dbURL, when not
// empty, is the database (to restart a server on the same one).
func start(t testing.TB, o cbserver.Options, dbURL string) *env {
	t.Helper()
	if dbURL == "" {
		dbURL = pgtest.URL(t)
	}
	root := o.Roots
	var rootDir string
	if len(root) == 0 {
		d, err := filepath.EvalSymlinks(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		rootDir = d
		o.Roots = []string{d}
	} else {
		rootDir = root[0]
	}
	cfg := cbserver.Config()
	cfg.Transport = mcpserver.TransportHTTP
	cfg.Addr = "127.0.0.1:0"
	cfg.DB.URL = dbURL
	cfg.DB.MaxConns = 6
	logs := &syncBuffer{}
	srv, err := cbserver.New(cfg, mcpserver.Options{Logger: mcpserver.NewLogger(logs, -4)}, o)
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
	var stopOnce sync.Once
	stop := func() {
		stopOnce.Do(func() {
			cancel()
			if err := <-served; err != nil {
				t.Errorf("Serve: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	wctx, wcancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer wcancel()
	if err := srv.DB().WaitReady(wctx); err != nil {
		t.Fatalf("database not ready: %v\n%s", err, logs.String())
	}
	return &env{srv: srv, url: "http://" + ln.Addr().String() + "/mcp", root: rootDir, logs: logs, stop: stop}
}

// client connects a new MCP client over streamable HTTP, on the newest
// protocol (stateless).
func (e *env) client(t testing.TB, opts ...transport.StreamableHTTPCOption) *client.Client {
	t.Helper()
	return e.clientVersion(t, "", opts...)
}

// clientVersion connects a client that asks for a protocol version: on
// 2025-11-25 it has a session, whose stream carries notifications between
// calls.
func (e *env) clientVersion(t testing.TB, version string, opts ...transport.StreamableHTTPCOption) *client.Client {
	t.Helper()
	return mcptest.Connect(t, e.url, mcptest.Options{ProtocolVersion: version, Transport: opts})
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

func (s *session) call(name string, args map[string]any) *mcp.CallToolResult {
	s.t.Helper()
	return s.mcpSession().MustCall(name, args)
}

// ok calls a tool that must succeed, checks its result against the tool's
// output schema, and decodes it.
func (s *session) ok(name string, args map[string]any) map[string]any {
	s.t.Helper()
	return s.mcpSession().OK(name, args)
}

// fail calls a tool that must fail with a message holding each want.
func (s *session) fail(name string, args map[string]any, want ...string) string {
	s.t.Helper()
	return s.mcpSession().Fail(name, args, want...)
}

// index indexes a directory and waits for the job to end in want.
func (s *session) index(path, project string, force bool, want string) map[string]any {
	s.t.Helper()
	args := map[string]any{"path": path}
	if project != "" {
		args["project"] = project
	}
	if force {
		args["force"] = true
	}
	out := s.ok("index_repository", args)
	return s.wait(out["job_id"].(string), want)
}

// wait polls a job until it ends and checks its state.
func (s *session) wait(id, want string) map[string]any {
	s.t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for {
		j := s.ok("get_indexing_status", map[string]any{"job_id": id, "wait_seconds": 30})
		switch st := j["state"].(string); st {
		case "succeeded", "failed", "cancelled":
			if st != want {
				s.t.Fatalf("job %s ended %s (error %v), want %s; counts %v", id, st, j["error"], want, j["counts"])
			}
			return j
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("job %s still %v", id, j["state"])
		}
	}
}

// search returns the hits of a search that must succeed.
func (s *session) search(args map[string]any) []map[string]any {
	s.t.Helper()
	out := s.ok("search_code", args)
	var hits []map[string]any
	for _, h := range out["hits"].([]any) {
		hits = append(hits, h.(map[string]any))
	}
	return hits
}

// The mcptest helpers under the short names these tests use.
var (
	text = mcptest.Text
	get  = mcptest.Get
)

type syncBuffer = mcptest.SyncBuffer

// count reads a job's counter.
func count(j map[string]any, name string) int {
	return int(j["counts"].(map[string]any)[name].(float64))
}

// checkOutput validates a result against the tool's output schema and
// returns it decoded.
func (e *env) checkOutput(t testing.TB, c *client.Client, name string, res *mcp.CallToolResult) map[string]any {
	t.Helper()
	return e.outputs.Check(t, c, name, res)
}

// writeFiles writes files (path -> content) under dir.
func writeFiles(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for p, c := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// copyDir copies the regular files of src (not recursively) into dst.
func copyDir(t testing.TB, src, dst string) {
	t.Helper()
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func removeFile(p string) error { return os.Remove(p) }
