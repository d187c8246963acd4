package load

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
)

// clientInfo is how the driver's sessions introduce themselves.
var clientInfo = mcp.Implementation{Name: "perfgate-load", Version: "1"}

// session is one MCP client over streamable HTTP with its own HTTP
// transport, so that each client holds its own connection as separate
// clients would.
type session struct {
	c  *client.Client
	tr *http.Transport
}

// dial starts a session and initializes it.
func dial(ctx context.Context, url, token string) (*session, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	opts := []transport.StreamableHTTPCOption{
		transport.WithHTTPBasicClient(&http.Client{Transport: tr}),
		transport.WithHTTPLogger(slog.New(slog.DiscardHandler)),
	}
	if token != "" {
		opts = append(opts, transport.WithHTTPHeaders(map[string]string{"Authorization": "Bearer " + token}))
	}
	t, err := transport.NewStreamableHTTP(url, opts...)
	if err != nil {
		return nil, fmt.Errorf("url %q: %w", url, err)
	}
	s := &session{c: client.NewClient(t), tr: tr}
	if err := s.c.Start(ctx); err != nil {
		s.close()
		return nil, fmt.Errorf("start: %w", err)
	}
	if _, err := s.c.Initialize(ctx, mcp.InitializeRequest{Params: mcp.InitializeParams{ClientInfo: clientInfo}}); err != nil {
		s.close()
		return nil, fmt.Errorf("initialize: %w", err)
	}
	return s, nil
}

// call calls a tool: a tool error is a result with IsError set.
func (s *session) call(ctx context.Context, tool string, args any) (*mcp.CallToolResult, error) {
	return s.c.CallTool(ctx, mcp.CallToolRequest{Params: mcp.CallToolParams{Name: tool, Arguments: args}})
}

// CallTool implements Caller, for Scenario.Setup.
func (s *session) CallTool(ctx context.Context, tool string, args any) (ToolResult, error) {
	res, err := s.call(ctx, tool, args)
	if err != nil {
		return ToolResult{}, err
	}
	var text []string
	for _, c := range res.Content {
		if t, ok := mcp.AsTextContent(c); ok {
			text = append(text, t.Text)
		}
	}
	return ToolResult{IsError: res.IsError, Text: strings.Join(text, "\n")}, nil
}

// tools lists the server's tools.
func (s *session) tools(ctx context.Context) ([]string, error) {
	res, err := s.c.ListTools(ctx, mcp.ListToolsRequest{})
	if err != nil {
		return nil, err
	}
	names := make([]string, len(res.Tools))
	for i, t := range res.Tools {
		names[i] = t.Name
	}
	return names, nil
}

func (s *session) close() {
	s.c.Close()
	s.tr.CloseIdleConnections()
}

// countingCaller counts the calls of Scenario.Setup by tool.
type countingCaller struct {
	s     *session
	calls map[string]int
}

func (c *countingCaller) CallTool(ctx context.Context, tool string, args any) (ToolResult, error) {
	c.calls[tool]++
	return c.s.CallTool(ctx, tool, args)
}
