package suitetest

import (
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/perfgate/perfgate/servers/internal/mcptest"
)

// CallTimeout bounds one tool call of a Client.
const CallTimeout = 90 * time.Second

// IndexTimeout bounds Client.Index.
const IndexTimeout = 5 * time.Minute

// Client is a real MCP client (mcp-go) over streamable HTTP: an
// mcptest.Session whose calls are bounded by CallTimeout. Call is safe
// from any goroutine; OK and Fail end the test on failure, so they belong
// to the test's goroutine.
type Client struct {
	*mcptest.Session
}

// Connect starts and initializes a client of url (…/mcp). It closes when
// the test ends.
func Connect(t testing.TB, url string, opts ...transport.StreamableHTTPCOption) *Client {
	t.Helper()
	c := mcptest.Connect(t, url, mcptest.Options{Transport: opts})
	return &Client{&mcptest.Session{T: t, MCP: c, Timeout: CallTimeout}}
}

// Dial starts and initializes a client of url, for callers that manage
// its life themselves (Close it).
func Dial(ctx context.Context, url string, opts ...transport.StreamableHTTPCOption) (*client.Client, error) {
	return mcptest.Dial(ctx, url, mcptest.Options{Transport: opts})
}

// CallTool calls a tool on any mcp-go client, within CallTimeout.
func CallTool(ctx context.Context, c *client.Client, name string, args map[string]any) (*mcp.CallToolResult, error) {
	ctx, cancel := context.WithTimeout(ctx, CallTimeout)
	defer cancel()
	return mcptest.CallTool(ctx, c, name, args)
}

// Index indexes a repository directory and waits for the job to succeed;
// extra adds arguments (project, force). It returns the final job.
func (c *Client) Index(path string, extra map[string]any) map[string]any {
	c.T.Helper()
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
			c.T.Fatalf("indexing %s: still %v after %s: %v", path, st["state"], IndexTimeout, st)
		default:
			c.T.Fatalf("indexing %s: job ended %v: %v", path, st["state"], st)
		}
		return nil
	}
}

// The result readers of mcptest, under the names the suites use.
var (
	// Text is the first text content of a result.
	Text = mcptest.Text
	// Result decodes a result's structured content (or, without it, the
	// JSON of its text content).
	Result = mcptest.Result
	// Get walks a decoded result: Get(m, "work_item", "id").
	Get = mcptest.Get
	// Num reads a number from a decoded result (0 when absent).
	Num = mcptest.Num
	// List reads a list of objects from a decoded result.
	List = mcptest.List
)

// SyncBuffer is a bytes.Buffer safe for concurrent use: the servers' log.
type SyncBuffer = mcptest.SyncBuffer

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
