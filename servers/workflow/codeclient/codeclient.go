package codeclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/perfgate/perfgate/servers/workflow"
)

// ToolName is the codebase-mcp tool the client calls, once per reference.
// Its input is StatusRequest; its structured result is StatusResult.
const ToolName = "get_code_reference_status"

// StatusRequest is the input of ToolName.
type StatusRequest struct {
	Repository  string `json:"repository"`
	Path        string `json:"path"`
	Symbol      string `json:"symbol,omitempty"`
	ContentHash string `json:"content_hash"`
	StartLine   int    `json:"start_line"`
	EndLine     int    `json:"end_line"`
	// Project is codebase-mcp's project; omitted for its default.
	Project string `json:"project,omitempty"`
}

// StatusResult is the structured result of ToolName: status is current,
// changed or missing.
type StatusResult struct {
	Status string `json:"status"`
}

// Defaults for Config's zero fields.
const (
	DefaultTimeout     = 3 * time.Second
	DefaultConcurrency = 4
)

// Config configures a Client.
type Config struct {
	// URL is codebase-mcp's streamable HTTP endpoint, e.g.
	// http://127.0.0.1:8731/mcp. Required.
	URL string
	// Token is sent as a bearer token when set.
	Token string
	// Timeout bounds a whole Check (default 3s): a slow codebase-mcp makes
	// statuses unknown rather than the call slow.
	Timeout time.Duration
	// Concurrency is how many references are asked about at once (default 4).
	Concurrency int
	// HTTPClient makes the requests (default: an http.Client whose Timeout
	// is Timeout, so that no request outlives a check).
	HTTPClient *http.Client
	// Logger receives the transport's events. Nil discards them.
	Logger *slog.Logger
}

// Client is a workflow.CodeChecker that asks codebase-mcp over streamable
// HTTP. It is safe for concurrent use.
type Client struct {
	cfg Config
}

var _ workflow.CodeChecker = (*Client)(nil)

// New returns a Client. It does no I/O: each Check connects afresh, so a
// restarted codebase-mcp is picked up without a reconnect logic.
func New(cfg Config) *Client {
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = DefaultConcurrency
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: cfg.Timeout}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Client{cfg: cfg}
}

// Check asks codebase-mcp for the status of each reference. An error means
// it could not be asked at all; a reference it refuses on its own is
// CodeUnknown.
func (c *Client) Check(ctx context.Context, refs []workflow.CodeRef) ([]workflow.CodeStatus, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	opts := []transport.StreamableHTTPCOption{
		transport.WithHTTPBasicClient(c.cfg.HTTPClient),
		transport.WithHTTPLogger(c.cfg.Logger),
	}
	if c.cfg.Token != "" {
		opts = append(opts, transport.WithHTTPHeaders(map[string]string{"Authorization": "Bearer " + c.cfg.Token}))
	}
	tr, err := transport.NewStreamableHTTP(c.cfg.URL, opts...)
	if err != nil {
		return nil, fmt.Errorf("codebase-mcp url: %w", err)
	}
	cl := client.NewClient(tr)
	defer cl.Close()
	if err := cl.Start(ctx); err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	if _, err := cl.Initialize(ctx, mcp.InitializeRequest{Params: mcp.InitializeParams{
		ClientInfo: mcp.Implementation{Name: "workflow-mcp", Version: "1"},
	}}); err != nil {
		return nil, fmt.Errorf("initialize: %w", err)
	}

	statuses := make([]workflow.CodeStatus, len(refs))
	errs := make([]error, len(refs))
	sem := make(chan struct{}, c.cfg.Concurrency)
	var wg sync.WaitGroup
	for i, ref := range refs {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			statuses[i], errs[i] = c.status(ctx, cl, ref)
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return statuses, nil
}

// status asks about one reference.
func (c *Client) status(ctx context.Context, cl *client.Client, ref workflow.CodeRef) (workflow.CodeStatus, error) {
	if ctx.Err() != nil {
		return "", ctx.Err()
	}
	args := StatusRequest{Repository: ref.Repository, Path: ref.Path, Symbol: ref.Symbol, ContentHash: ref.ContentHash,
		StartLine: ref.StartLine, EndLine: ref.EndLine, Project: ref.CodeProject}
	res, err := cl.CallTool(ctx, mcp.CallToolRequest{Params: mcp.CallToolParams{Name: ToolName, Arguments: args}})
	if err != nil {
		return "", fmt.Errorf("%s: %w", ToolName, err)
	}
	if res.IsError {
		return workflow.CodeUnknown, nil
	}
	var out StatusResult
	if err := decodeResult(res, &out); err != nil {
		return workflow.CodeUnknown, nil
	}
	switch s := workflow.CodeStatus(out.Status); s {
	case workflow.CodeCurrent, workflow.CodeChanged, workflow.CodeMissing:
		return s, nil
	}
	return workflow.CodeUnknown, nil
}

// decodeResult reads a tool result's structured content, or the JSON of
// its text content when there is none.
func decodeResult(res *mcp.CallToolResult, v any) error {
	raw := []byte(res.RawStructuredContent)
	if len(raw) == 0 && res.StructuredContent != nil {
		var err error
		if raw, err = json.Marshal(res.StructuredContent); err != nil {
			return err
		}
	}
	if len(raw) == 0 {
		for _, content := range res.Content {
			if t, ok := content.(mcp.TextContent); ok {
				raw = []byte(t.Text)
				break
			}
		}
	}
	return json.Unmarshal(raw, v)
}
