package mcptest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
)

// Options adjust Dial and Connect. The zero value asks for the newest
// protocol with the default HTTP transport.
type Options struct {
	// ProtocolVersion is the version asked for in initialize; "" lets the
	// client negotiate the newest.
	ProtocolVersion string
	// Client are options of the mcp-go client (client.WithProtocolVersion).
	Client []client.ClientOption
	// Transport are options of the streamable HTTP transport (headers, an
	// *http.Client of its own).
	Transport []transport.StreamableHTTPCOption
}

// Dial starts and initializes an MCP client of url (…/mcp), for callers
// that manage its life themselves: Close it.
func Dial(ctx context.Context, url string, o Options) (*client.Client, error) {
	tr, err := transport.NewStreamableHTTP(url, o.Transport...)
	if err != nil {
		return nil, fmt.Errorf("client of %s: %w", url, err)
	}
	c := client.NewClient(tr, o.Client...)
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := c.Start(ctx); err != nil {
		c.Close()
		return nil, fmt.Errorf("start client of %s: %w", url, err)
	}
	if _, err := c.Initialize(ctx, mcp.InitializeRequest{Params: mcp.InitializeParams{
		ProtocolVersion: o.ProtocolVersion,
		ClientInfo:      mcp.Implementation{Name: "mcptest", Version: "1"},
	}}); err != nil {
		c.Close()
		return nil, fmt.Errorf("initialize with %s (protocol %q): %w", url, o.ProtocolVersion, err)
	}
	return c, nil
}

// Connect is Dial for a test: a failure ends it, and the client closes when
// it ends.
func Connect(t testing.TB, url string, o Options) *client.Client {
	t.Helper()
	c, err := Dial(context.Background(), url, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// CallTool calls a tool on any mcp-go client; the error is the transport's.
func CallTool(ctx context.Context, c *client.Client, name string, args map[string]any) (*mcp.CallToolResult, error) {
	return c.CallTool(ctx, mcp.CallToolRequest{Params: mcp.CallToolParams{Name: name, Arguments: args}})
}

// Session calls the tools of one client on behalf of a test. Call is safe
// from any goroutine; MustCall, OK and Fail end the test on failure, so
// they belong to the test's goroutine.
type Session struct {
	// T is the test the session reports to.
	T testing.TB
	// MCP is the client, from Connect.
	MCP *client.Client
	// Timeout bounds each call; zero leaves calls unbounded.
	Timeout time.Duration
	// Schemas, when not nil, are the server's output schemas: OK checks
	// every result against its tool's.
	Schemas *Schemas
}

// Call calls a tool and returns its result or the transport's error.
func (s *Session) Call(name string, args map[string]any) (*mcp.CallToolResult, error) {
	ctx := context.Background()
	if s.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.Timeout)
		defer cancel()
	}
	return CallTool(ctx, s.MCP, name, args)
}

// MustCall calls a tool; an error of the transport ends the test. The
// result may be a tool error.
func (s *Session) MustCall(name string, args map[string]any) *mcp.CallToolResult {
	s.T.Helper()
	res, err := s.Call(name, args)
	if err != nil {
		s.T.Fatalf("call %s(%v): %v", name, args, err)
	}
	return res
}

// OK calls a tool that must succeed with a structured result (checked
// against the tool's output schema when the session has Schemas) and
// returns the result decoded.
func (s *Session) OK(name string, args map[string]any) map[string]any {
	s.T.Helper()
	res := s.MustCall(name, args)
	if res.IsError {
		s.T.Fatalf("%s(%v) failed: %s", name, args, Text(res))
	}
	if s.Schemas != nil {
		return s.Schemas.Check(s.T, s.MCP, name, res)
	}
	_, out := structured(s.T, name, res)
	return out
}

// Fail calls a tool that must answer with a tool error (isError) whose
// message contains each of want, and returns the message.
func (s *Session) Fail(name string, args map[string]any, want ...string) string {
	s.T.Helper()
	res := s.MustCall(name, args)
	msg := Text(res)
	if !res.IsError {
		s.T.Fatalf("%s(%v) succeeded, want a tool error: %s", name, args, msg)
	}
	for _, w := range want {
		if !strings.Contains(msg, w) {
			s.T.Errorf("%s error %q\ndoes not contain %q", name, msg, w)
		}
	}
	return msg
}

// Eventually polls cond every 20ms for up to d, then ends the test with
// what() (called only then, so it can report the last state seen).
func Eventually(t testing.TB, d time.Duration, what func() string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal(what())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
