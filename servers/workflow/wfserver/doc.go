// Package wfserver is the workflow-mcp program on the shared MCP runtime
// (servers/internal/mcpserver): its configuration, flags and environment
// variables (WORKFLOW_MCP_...), and the wiring of the store, the
// codebase-mcp client and the tools. cmd/workflow-mcp calls Main; tests
// call New with a Config of their own.
//
// Beyond the runtime's flags (--transport, --addr, --db-url, ...):
//
//	--codebase-url         codebase-mcp's /mcp endpoint, for check_code_references
//	--codebase-timeout     how long a check waits for it (default 3s)
//	--codebase-token-file  its bearer token, if it requires one
//	--server-id            key of the active project (default workflow-mcp)
//
// # Example
//
//	cfg := wfserver.Config()
//	cfg.Transport, cfg.Addr, cfg.DB.URL = mcpserver.TransportHTTP, "127.0.0.1:0", url
//	srv, err := wfserver.New(cfg, mcpserver.Options{Logger: logger}, wfserver.Options{})
//	if err != nil {
//		return err
//	}
//	ln, err := srv.Listen()
//	...
//	err = srv.Serve(ctx, ln)
package wfserver
