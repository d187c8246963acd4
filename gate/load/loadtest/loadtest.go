// Package loadtest is a fake MCP server for testing gate/load and the
// `perfgate load` verb: a real streamable HTTP MCP server (mcp-go, on
// httptest) with the tools of the built-in scenarios, whose latency and
// error rate the test controls and whose calls it counts.
//
// The tools' input schemas mirror those of workflow-mcp and codebase-mcp
// and refuse unknown arguments, so a call of the wrong shape is a tool
// error:
//
//	srv := loadtest.New(t, loadtest.Options{Latency: time.Millisecond, ErrorEvery: 4})
//	// ... drive srv.URL ...
//	fmt.Println(srv.Calls("search_code"), srv.Errors("search_code"))
package loadtest

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// schemas are the fake tools' input schemas, after workflow-mcp's
// (servers/workflow/wfmcp) and codebase-mcp's tool inputs.
var schemas = map[string]string{
	"create_project": `{"type":"object","additionalProperties":false,"required":["name"],"properties":{
		"name":{"type":"string"},"description":{"type":"string"},"activate":{"type":"boolean"}}}`,
	"switch_project": `{"type":"object","additionalProperties":false,"required":["project"],"properties":{
		"project":{"type":"string"}}}`,
	"query_entities": `{"type":"object","additionalProperties":false,"properties":{
		"project":{"type":"string"},"type":{"type":"string"},"filter":{"type":"object"},
		"tags":{"type":"array","items":{"type":"string"}},"limit":{"type":"integer","minimum":1,"maximum":500},
		"cursor":{"type":"string"}}}`,
	"query_work_items": `{"type":"object","additionalProperties":false,"properties":{
		"project":{"type":"string"},"status":{"type":"string"},"type":{"type":"string"},
		"parent":{"type":"integer"},"ready":{"type":"boolean"},"limit":{"type":"integer","minimum":1,"maximum":500},
		"cursor":{"type":"string"}}}`,
	"search_code": `{"type":"object","additionalProperties":false,"required":["query"],"properties":{
		"query":{"type":"string","minLength":1},"project":{"type":"string"},
		"limit":{"type":"integer","minimum":1,"maximum":100}}}`,
}

// Options configure a Server.
type Options struct {
	// Tools are the tools served (default: all of them).
	Tools []string
	// Latency is how long each call takes, or until the client gives up.
	Latency time.Duration
	// ErrorEvery makes every n-th call of each tool a tool error
	// (isError); 0: never. Setup calls count too.
	ErrorEvery int
	// Token, when set, is the bearer token every request must carry
	// (401 otherwise).
	Token string
	// Projects exist from the start.
	Projects []string
}

// Server is a fake MCP server. It is safe for concurrent use.
type Server struct {
	// URL is the MCP endpoint.
	URL string

	opts     Options
	mcp      http.Handler
	mu       sync.Mutex
	calls    map[string]int64
	errors   map[string]int64
	projects map[string]bool
	conns    map[string]time.Time // first request by remote address
}

// New starts a Server on an httptest.Server; it is closed when the test
// ends.
func New(t testing.TB, o Options) *Server {
	t.Helper()
	s, err := NewServer(o)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s)
	t.Cleanup(hs.Close)
	s.URL = hs.URL + "/mcp"
	return s
}

// Serve serves a Server on ln until ln is closed, e.g. in a process of its
// own so that its work is not counted as the driver's.
func Serve(ln net.Listener, o Options) error {
	s, err := NewServer(o)
	if err != nil {
		return err
	}
	return http.Serve(ln, s)
}

// NewServer returns a Server to serve with ServeHTTP; its URL is left
// empty.
func NewServer(o Options) (*Server, error) {
	s := &Server{
		opts:     o,
		calls:    map[string]int64{},
		errors:   map[string]int64{},
		projects: map[string]bool{},
		conns:    map[string]time.Time{},
	}
	for _, p := range o.Projects {
		s.projects[p] = true
	}
	tools := o.Tools
	if tools == nil {
		for name := range schemas {
			tools = append(tools, name)
		}
		sort.Strings(tools)
	}
	ms := server.NewMCPServer("loadtest", "1", server.WithToolCapabilities(false), server.WithInputSchemaValidation())
	for _, name := range tools {
		schema, ok := schemas[name]
		if !ok {
			return nil, fmt.Errorf("loadtest: no tool %q", name)
		}
		ms.AddTool(mcp.NewToolWithRawSchema(name, "fake "+name, json.RawMessage(schema)), s.handler(name))
	}
	s.mcp = server.NewStreamableHTTPServer(ms, server.WithStreamableHTTPLogger(slog.New(slog.DiscardHandler)))
	return s, nil
}

// ServeHTTP serves MCP, checking the token and noting each connection.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if _, ok := s.conns[r.RemoteAddr]; !ok {
		s.conns[r.RemoteAddr] = time.Now()
	}
	s.mu.Unlock()
	if s.opts.Token != "" && r.Header.Get("Authorization") != "Bearer "+s.opts.Token {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	s.mcp.ServeHTTP(w, r)
}

// handler serves one tool: it waits the latency, counts the call and
// fails every ErrorEvery-th.
func (s *Server) handler(tool string) server.ToolHandlerFunc {
	return func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		if s.opts.Latency > 0 {
			t := time.NewTimer(s.opts.Latency)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
			}
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		s.calls[tool]++
		fail := s.opts.ErrorEvery > 0 && s.calls[tool]%int64(s.opts.ErrorEvery) == 0
		res := s.result(tool, req)
		if fail && !res.IsError {
			res = mcp.NewToolResultError("injected error: retry later")
		}
		if res.IsError {
			s.errors[tool]++
		}
		return res, nil
	}
}

// result is the tool's own answer; s.mu is held.
func (s *Server) result(tool string, req mcp.CallToolRequest) *mcp.CallToolResult {
	switch tool {
	case "create_project":
		name := req.GetString("name", "")
		if s.projects[name] {
			return mcp.NewToolResultError(fmt.Sprintf("project %q already exists (id 1)", name))
		}
		s.projects[name] = true
		return mcp.NewToolResultText(`{"project":{"name":"` + name + `"}}`)
	case "switch_project":
		name := req.GetString("project", "")
		if !s.projects[name] {
			return mcp.NewToolResultError(fmt.Sprintf("project %q does not exist: create it with create_project", name))
		}
		return mcp.NewToolResultText(`{"project":{"name":"` + name + `","active":true}}`)
	case "query_entities":
		return mcp.NewToolResultText(`{"entities":[]}`)
	case "query_work_items":
		return mcp.NewToolResultText(`{"work_items":[]}`)
	default:
		return mcp.NewToolResultText(`{"results":[]}`)
	}
}

// Calls is the number of calls of tool so far.
func (s *Server) Calls(tool string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[tool]
}

// Errors is the number of tool errors tool returned so far.
func (s *Server) Errors(tool string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.errors[tool]
}

// ConnStarts are the times of the first request of each client
// connection, in order.
func (s *Server) ConnStarts() []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	ts := make([]time.Time, 0, len(s.conns))
	for _, t := range s.conns {
		ts = append(ts, t)
	}
	sort.Slice(ts, func(i, j int) bool { return ts[i].Before(ts[j]) })
	return ts
}
