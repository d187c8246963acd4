// Package tool is the plumbing every MCP tool of the servers goes through:
// typed registration with input and output schemas, behaviour hints,
// structured results, one way of turning errors into tool results, and one
// log line and one metrics observation per call.
//
// Add registers a handler func(ctx, In) (Out, error). The input schema comes
// from In and is enforced before the handler runs (a violation is an isError
// result naming the field); the output schema comes from Out, and the
// result is returned as structured content plus its JSON as text. Hints are
// always explicit: a Spec that sets nothing is a non-destructive,
// non-idempotent, closed-world tool that writes.
//
// A handler's error becomes an isError result, once, here:
//
//   - a *UserError (tool.Errorf) or any error with a UserMessage method:
//     that message, which must say what to do;
//   - an error with Retryable() true (pgdb.ErrBusy, pgdb.ErrUnavailable):
//     its user message, outcome "busy", "unavailable" or "retryable";
//   - anything else: logged with its cause, shown as
//     "internal error (request id X)".
//
// Observe is the middleware that gives each call its request id and writes
// its log line: request_id, tool, latency_ms, outcome, and error when there
// is one — never the arguments, which may hold secrets.
//
// # Example
//
//	type searchIn struct {
//		Query string `json:"query" jsonschema:"What to look for, in plain words"`
//		Limit int    `json:"limit,omitempty" jsonschema:"At most this many hits (default 10)"`
//	}
//	type searchOut struct {
//		Hits []Hit `json:"hits" jsonschema:"Best first"`
//	}
//
//	s := server.NewMCPServer("codebase-mcp", version,
//		server.WithToolHandlerMiddleware(tool.Observe(logger, metrics)))
//	tool.Add(s, tool.Spec{
//		Name:        "search_code",
//		Description: "Semantic search over the indexed repositories of a project.",
//		ReadOnly:    true,
//	}, func(ctx context.Context, in searchIn) (searchOut, error) {
//		if in.Query == "" {
//			return searchOut{}, tool.Errorf("query is empty: say what to look for")
//		}
//		hits, err := store.Search(ctx, in.Query, in.Limit) // may be pgdb.ErrBusy
//		return searchOut{Hits: hits}, err
//	})
package tool
