// Package metrics is a server's Prometheus registry (client_golang) with
// the instruments of the MCP runtime, all labelled server="<program>":
//
//   - mcp_tool_calls_total{tool,outcome} and mcp_tool_errors_total{tool,outcome}
//   - mcp_tool_call_duration_seconds{tool}, a histogram of every call
//   - mcp_tool_calls_in_flight{tool}
//   - mcp_db_pool_* gauges and counters, mcp_db_busy_rejections_total,
//     mcp_db_unavailable_rejections_total, mcp_db_ready
//   - mcp_build_info{version,go_version}, and the Go and process collectors.
//
// Metrics implements tool.Recorder, so tool.Observe feeds it.
//
// # Example
//
//	m := metrics.New(metrics.Options{Server: "codebase-mcp", Version: version})
//	m.WatchPool(db) // *pgdb.DB
//	s := server.NewMCPServer("codebase-mcp", version,
//		server.WithToolHandlerMiddleware(tool.Observe(logger, m)))
//	mux.Handle("GET /metrics", m.Handler())
//
//	// A server's own instrument:
//	indexed := prometheus.NewCounter(prometheus.CounterOpts{
//		Name: "codebase_files_indexed_total", Help: "Files indexed."})
//	m.Registerer().MustRegister(indexed)
package metrics
