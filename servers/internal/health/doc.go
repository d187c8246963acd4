// Package health reports whether a server can do its work: its database
// answers a ping, quickly, and its connection pool has room.
//
// A Report is healthy, degraded (pool use over 80% or a ping over 100ms) or
// unhealthy (pool use over 95%, or the database unreachable or not ready).
// As an http.Handler for /healthz it answers 503 when unhealthy, 200
// otherwise; the same JSON is the MCP resource health://status:
//
//	{"status":"degraded","reasons":["connection pool 90% in use, over 80%"],
//	 "database":{"status":"up","ping_ms":0.4},
//	 "pool":{"size":10,"acquired":9,"idle":1,"max":10,"utilization_percent":90},
//	 "uptime_seconds":3600.5,"version":"v1.0.0"}
//
// A check never waits for the pool, and rarely for the database: the
// database pings on a connection of its own (pgdb.DB.Ping, bounded by its
// ping timeout); a ping result is reused for Options.MaxAge (1s by
// default), then served for up to twice as long again while a background
// ping refreshes it; only a check without a usable result waits, for a
// ping shared by every check that arrives meanwhile. The pool figures are
// read live at each check: a snapshot under the pool's own short lock,
// which never waits for a connection. Caching them, or the whole report,
// was considered and left out: the handler is about a tenth of the server's
// CPU per /healthz request (net/http and the socket are the rest), so a
// cache would make the pool figures stale for little gain.
//
// # Example
//
//	checker := health.New(db, health.Options{Version: version}) // db is a *pgdb.DB
//	mux.Handle("GET /healthz", checker)
//	report := checker.Check(ctx)
//	if report.Status == health.Unhealthy {
//		log.Warn("unhealthy", "reasons", report.Reasons)
//	}
package health
