package tool

import (
	"context"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// Progress sends a notifications/progress message for the call ctx belongs
// to, when its caller asked for progress (a progressToken in _meta), and
// does nothing otherwise. total may be 0 when unknown; message may be "".
// Progress must increase from one notification to the next.
func Progress(ctx context.Context, progress, total float64, message string) error {
	c := callFrom(ctx)
	if c == nil || c.request == nil || c.request.Params.Meta == nil || c.request.Params.Meta.ProgressToken == nil {
		return nil
	}
	srv := server.ServerFromContext(ctx)
	if srv == nil {
		return nil
	}
	params := map[string]any{
		"progressToken": c.request.Params.Meta.ProgressToken,
		"progress":      progress,
	}
	if total > 0 {
		params["total"] = total
	}
	if message != "" {
		params["message"] = message
	}
	return srv.SendNotificationToClient(ctx, string(mcp.MethodNotificationProgress), params)
}
