package mcpserver_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/perfgate/perfgate/servers/internal/mcpserver"
	"github.com/perfgate/perfgate/servers/internal/tool"
)

// The benchmarks below measure the server's own work per request, without
// the network, the database or a client: a request captured from a real
// mcp-go client is replayed straight into the server's http.Handler. They
// are what to watch when trimming the runtime's per-call cost (CPU and
// allocations); the end-to-end figures are in package testserver and
// cmd/workflow-mcp.
//
//	go test -run '^$' -bench Handler -benchmem ./servers/internal/mcpserver

type benchIn struct {
	Message string `json:"message" jsonschema:"The text to send back"`
	Count   int    `json:"count,omitempty" jsonschema:"A number"`
}

type benchOut struct {
	Message string   `json:"message" jsonschema:"The text"`
	Items   []string `json:"items" jsonschema:"Some items"`
	Count   int      `json:"count" jsonschema:"The number"`
}

// newBenchServer is a server whose database is never reached, with the
// JSON log at info (one line per call, as in production) going nowhere.
func newBenchServer(b *testing.B) *mcpserver.Server {
	b.Helper()
	cfg := mcpserver.DefaultConfig("bench-mcp", 0)
	cfg.Transport = mcpserver.TransportHTTP
	cfg.Addr = "127.0.0.1:1"
	cfg.DB.URL = "postgres://postgres@127.0.0.1:1/none?sslmode=disable"
	srv, err := mcpserver.New(cfg, mcpserver.Options{Logger: mcpserver.NewLogger(io.Discard, slog.LevelInfo)})
	if err != nil {
		b.Fatal(err)
	}
	tool.Add(srv.MCP(), tool.Spec{Name: "echo", Description: "Echoes.", ReadOnly: true},
		func(ctx context.Context, in benchIn) (benchOut, error) {
			return benchOut{Message: in.Message, Items: []string{"a", "b", "c"}, Count: in.Count}, nil
		})
	return srv
}

// captured is one HTTP request as a client sent it.
type captured struct {
	header http.Header
	body   []byte
}

// handlerTransport serves a client's requests with a handler, in process,
// and keeps the last tools/call request.
type handlerTransport struct {
	h    http.Handler
	last *captured
}

func (t *handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	var body []byte
	if r.Body != nil {
		body, _ = io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	if bytes.Contains(body, []byte(`"tools/call"`)) {
		t.last = &captured{header: r.Header.Clone(), body: body}
	}
	rec := httptest.NewRecorder()
	r.Host = "127.0.0.1:1"
	t.h.ServeHTTP(rec, r)
	return rec.Result(), nil
}

// captureCall connects an mcp-go client on the protocol version, makes one
// echo call through h, and returns that call's request.
func captureCall(b *testing.B, h http.Handler, version string) captured {
	b.Helper()
	rt := &handlerTransport{h: h}
	tr, err := transport.NewStreamableHTTP("http://127.0.0.1:1/mcp", transport.WithHTTPBasicClient(&http.Client{Transport: rt}))
	if err != nil {
		b.Fatal(err)
	}
	c := client.NewClient(tr, client.WithProtocolVersion(version))
	b.Cleanup(func() { c.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Start(ctx); err != nil {
		b.Fatal(err)
	}
	if _, err := c.Initialize(ctx, mcp.InitializeRequest{Params: mcp.InitializeParams{
		ProtocolVersion: version,
		ClientInfo:      mcp.Implementation{Name: "bench", Version: "1"},
	}}); err != nil {
		b.Fatal(err)
	}
	res, err := c.CallTool(ctx, mcp.CallToolRequest{Params: mcp.CallToolParams{Name: "echo",
		Arguments: map[string]any{"message": "hello, world", "count": 3}}})
	if err != nil || res.IsError {
		b.Fatalf("echo: %v %+v", err, res)
	}
	if rt.last == nil {
		b.Fatal("no tools/call request captured")
	}
	if testing.Verbose() {
		b.Logf("%s %v\n%s", version, rt.last.header, rt.last.body)
	}
	return *rt.last
}

// BenchmarkHandlerToolCall replays one echo tools/call into the server's
// handler, on the stateless protocol and on the session one.
func BenchmarkHandlerToolCall(b *testing.B) {
	for _, version := range []string{mcp.ProtocolVersion20260728, mcp.ProtocolVersion20251125} {
		b.Run("protocol="+version, func(b *testing.B) {
			srv := newBenchServer(b)
			h := srv.Handler()
			req := captureCall(b, h, version)
			want := []byte(`"hello, world"`)
			b.ReportAllocs()
			for b.Loop() {
				r := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:1/mcp", bytes.NewReader(req.body))
				r.Header = req.header.Clone()
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				if w.Code != http.StatusOK || !bytes.Contains(w.Body.Bytes(), want) {
					b.Fatalf("status %d: %s", w.Code, w.Body)
				}
			}
		})
	}
}
