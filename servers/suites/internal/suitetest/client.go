package suitetest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
)

// CallTimeout bounds one tool call of a Client.
const CallTimeout = 90 * time.Second

// IndexTimeout bounds Client.Index.
const IndexTimeout = 5 * time.Minute

// Client is a real MCP client (mcp-go) over streamable HTTP. Call is safe
// from any goroutine; OK and Fail end the test on failure, so they belong
// to the test's goroutine.
type Client struct {
	t testing.TB
	// MCP is the underlying client.
	MCP *client.Client
}

// Connect starts and initializes a client of url (…/mcp). It closes when
// the test ends.
func Connect(t testing.TB, url string, opts ...transport.StreamableHTTPCOption) *Client {
	t.Helper()
	c, err := Dial(context.Background(), url, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &Client{t: t, MCP: c}
}

// Dial starts and initializes a client of url, for callers that manage
// its life themselves (Close it).
func Dial(ctx context.Context, url string, opts ...transport.StreamableHTTPCOption) (*client.Client, error) {
	tr, err := transport.NewStreamableHTTP(url, opts...)
	if err != nil {
		return nil, fmt.Errorf("client of %s: %w", url, err)
	}
	c := client.NewClient(tr)
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := c.Start(ctx); err != nil {
		c.Close()
		return nil, fmt.Errorf("start client of %s: %w", url, err)
	}
	if _, err := c.Initialize(ctx, mcp.InitializeRequest{Params: mcp.InitializeParams{
		ClientInfo: mcp.Implementation{Name: "perfgate-suites", Version: "1"},
	}}); err != nil {
		c.Close()
		return nil, fmt.Errorf("initialize with %s: %w", url, err)
	}
	return c, nil
}

// Call calls a tool; the error is the transport's.
func (c *Client) Call(name string, args map[string]any) (*mcp.CallToolResult, error) {
	return CallTool(context.Background(), c.MCP, name, args)
}

// CallTool calls a tool on any mcp-go client, within CallTimeout.
func CallTool(ctx context.Context, c *client.Client, name string, args map[string]any) (*mcp.CallToolResult, error) {
	ctx, cancel := context.WithTimeout(ctx, CallTimeout)
	defer cancel()
	return c.CallTool(ctx, mcp.CallToolRequest{Params: mcp.CallToolParams{Name: name, Arguments: args}})
}

// OK calls a tool that must succeed and returns its structured result.
func (c *Client) OK(name string, args map[string]any) map[string]any {
	c.t.Helper()
	res, err := c.Call(name, args)
	if err != nil {
		c.t.Fatalf("call %s(%v): %v", name, args, err)
	}
	if res.IsError {
		c.t.Fatalf("%s(%v) failed: %s", name, args, Text(res))
	}
	out, err := Result(res)
	if err != nil {
		c.t.Fatalf("%s(%v): %v", name, args, err)
	}
	return out
}

// Fail calls a tool that must answer with a tool error (isError) whose
// message contains each of want, and returns the message.
func (c *Client) Fail(name string, args map[string]any, want ...string) string {
	c.t.Helper()
	res, err := c.Call(name, args)
	if err != nil {
		c.t.Fatalf("call %s(%v): %v", name, args, err)
	}
	msg := Text(res)
	if !res.IsError {
		c.t.Fatalf("%s(%v) succeeded, want a tool error: %s", name, args, msg)
	}
	for _, w := range want {
		if !strings.Contains(msg, w) {
			c.t.Errorf("%s error %q does not contain %q", name, msg, w)
		}
	}
	return msg
}

// Index indexes a repository directory and waits for the job to succeed;
// extra adds arguments (project, force). It returns the final job.
func (c *Client) Index(path string, extra map[string]any) map[string]any {
	c.t.Helper()
	args := map[string]any{"path": path}
	for k, v := range extra {
		args[k] = v
	}
	job := c.OK("index_repository", args)
	deadline := time.Now().Add(IndexTimeout)
	for {
		// Each wait stays well within the server's HTTP write timeout.
		st := c.OK("get_indexing_status", map[string]any{"job_id": job["job_id"], "wait_seconds": 20})
		switch st["state"] {
		case "succeeded":
			return st
		case "queued", "running":
			if time.Now().Before(deadline) {
				continue
			}
			c.t.Fatalf("indexing %s: still %v after %s: %v", path, st["state"], IndexTimeout, st)
		default:
			c.t.Fatalf("indexing %s: job ended %v: %v", path, st["state"], st)
		}
		return nil
	}
}

// Text is the first text content of a result.
func Text(res *mcp.CallToolResult) string {
	for _, content := range res.Content {
		if t, ok := content.(mcp.TextContent); ok {
			return t.Text
		}
	}
	return ""
}

// Result decodes a result's structured content (or, without it, the JSON
// of its text content).
func Result(res *mcp.CallToolResult) (map[string]any, error) {
	raw := []byte(res.RawStructuredContent)
	if len(raw) == 0 && res.StructuredContent != nil {
		var err error
		if raw, err = json.Marshal(res.StructuredContent); err != nil {
			return nil, fmt.Errorf("encode structured content: %w", err)
		}
	}
	if len(raw) == 0 {
		raw = []byte(Text(res))
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("result is not a JSON object: %w: %s", err, raw)
	}
	return out, nil
}

// Get walks a decoded result: Get(m, "work_item", "id").
func Get(v any, path ...string) any {
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

// Num reads a number from a decoded result (0 when absent).
func Num(v any, path ...string) int64 {
	f, _ := Get(v, path...).(float64)
	return int64(f)
}

// List reads a list of objects from a decoded result.
func List(v any, path ...string) []map[string]any {
	items, _ := Get(v, path...).([]any)
	out := make([]map[string]any, 0, len(items))
	for _, it := range items {
		if m, ok := it.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

// HTTPGet fetches url with hc (nil: http.DefaultClient) and returns the
// status code and the body.
func HTTPGet(ctx context.Context, hc *http.Client, url string) (int, []byte, error) {
	if hc == nil {
		hc = http.DefaultClient
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, nil, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// SyncBuffer is a bytes.Buffer safe for concurrent use: the servers' log.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

// String returns everything written so far.
func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// Lines returns the lines written so far, without the last one if it is
// not finished.
func (b *SyncBuffer) Lines() []string {
	s := b.String()
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	} else {
		return nil
	}
	return strings.Split(s, "\n")
}
