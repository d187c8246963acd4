package testserver_test

import (
	"context"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/perfgate/perfgate/servers/internal/mcpserver"
	"github.com/perfgate/perfgate/servers/internal/pgcluster"
)

// A pool of N connections under N+10 slow calls: the extra calls fail as
// busy within the acquire timeout, the others complete, nothing hangs, and
// /healthz says so meanwhile.
func TestBusyPool(t *testing.T) {
	t.Parallel()
	const (
		poolSize       = 3
		acquireTimeout = time.Second
		hold           = 3 * time.Second
	)
	h := startServer(t, func(c *mcpserver.Config) {
		c.DB.MaxConns = poolSize
		c.DB.AcquireTimeout = acquireTimeout
	})
	h.waitReady(t)
	c := h.client(t, "")

	type result struct {
		res  *mcp.CallToolResult
		took time.Duration
	}
	results := make(chan result, poolSize+10)
	var wg sync.WaitGroup
	for range poolSize + 10 {
		wg.Go(func() {
			start := time.Now()
			res := call(t, c, "sleep_query", map[string]any{"milliseconds": hold.Milliseconds()})
			results <- result{res, time.Since(start)}
		})
	}

	// While the pool is full, /healthz reports it, without waiting for it.
	eventually(t, hold/2, "/healthz never reported the full pool", func() bool {
		start := time.Now()
		code, rep := h.health(t)
		if took := time.Since(start); took > time.Second {
			t.Fatalf("/healthz took %s with the pool full", took)
		}
		return code == http.StatusServiceUnavailable && rep.Status == "unhealthy" &&
			rep.Pool.Acquired == poolSize && rep.Pool.UtilizationPercent == 100 && rep.Database.Status == "up"
	})

	wg.Wait()
	close(results)
	var ok, busy int
	for r := range results {
		switch {
		case !r.res.IsError:
			ok++
		case strings.Contains(text(r.res), "busy") && strings.Contains(text(r.res), "retry"):
			busy++
			if r.took > acquireTimeout+slack {
				t.Errorf("a busy error came after %s, want within the acquire timeout %s", r.took, acquireTimeout)
			}
		default:
			t.Errorf("unexpected result: %s", text(r.res))
		}
	}
	if ok != poolSize || busy != 10 {
		t.Fatalf("%d calls completed and %d were busy, want %d and 10", ok, busy, poolSize)
	}
	code, rep := h.health(t)
	if code != http.StatusOK || rep.Pool.Acquired != 0 {
		t.Fatalf("after the calls: HTTP %d, %+v", code, rep)
	}
	families := parseMetrics(t, string(must(h.get(t, "/metrics"))))
	if got := sample(t, families, "mcp_tool_calls_total", "tool", "sleep_query", "outcome", "busy"); got != 10 {
		t.Fatalf("mcp_tool_calls_total{outcome=busy} = %v, want 10", got)
	}
	if got := sample(t, families, "mcp_db_busy_rejections_total"); got != 10 {
		t.Fatalf("mcp_db_busy_rejections_total = %v, want 10", got)
	}
}

// Postgres goes away and comes back, twice: before the server's first
// connection and under a ready server. Meanwhile database calls fail as
// unavailable within the acquire timeout, other calls work, /healthz says
// unhealthy; the first call once Postgres accepts connections succeeds
// within 2s.
func TestPostgresOutage(t *testing.T) {
	t.Parallel()
	const acquireTimeout = time.Second
	cluster := pgcluster.New(t)
	cluster.Stop(t)
	h := startServer(t, func(c *mcpserver.Config) {
		c.DB.URL = cluster.URL()
		c.DB.AcquireTimeout = acquireTimeout
		// A long backoff: recovery must not depend on the retry schedule.
		c.DB.RetryMin, c.DB.RetryMax = 30*time.Second, 30*time.Second
	})
	c := h.client(t, "")

	outage := func(phase string) {
		t.Helper()
		for tool, args := range map[string]map[string]any{
			"record_note": {"note": "x"},
			"sleep_query": {"milliseconds": 1},
		} {
			start := time.Now()
			res := call(t, c, tool, args)
			took := time.Since(start)
			if !res.IsError || !strings.Contains(text(res), "unavailable") || !strings.Contains(text(res), "retry") {
				t.Fatalf("%s: %s during the outage: isError %v, %q; want the unavailable error", phase, tool, res.IsError, text(res))
			}
			if took > acquireTimeout+slack {
				t.Fatalf("%s: %s took %s during the outage, want within the acquire timeout %s", phase, tool, took, acquireTimeout)
			}
		}
		if res := call(t, c, "echo", map[string]any{"message": "still here"}); res.IsError {
			t.Fatalf("%s: echo needs no database, but: %s", phase, text(res))
		}
		eventually(t, 5*time.Second, phase+": /healthz did not turn unhealthy", func() bool {
			code, rep := h.health(t)
			return code == http.StatusServiceUnavailable && rep.Status == "unhealthy" && rep.Database.Status == "down"
		})
	}
	recovery := func(phase string) {
		t.Helper()
		cluster.Start(t)
		start := time.Now()
		res := call(t, c, "record_note", map[string]any{"note": phase})
		if took := time.Since(start); res.IsError || took > 2*time.Second {
			t.Fatalf("%s: first call after Postgres came back: isError %v %q after %s; want success within 2s",
				phase, res.IsError, text(res), took)
		}
		eventually(t, 5*time.Second, phase+": /healthz did not recover", func() bool {
			code, rep := h.health(t)
			return code == http.StatusOK && rep.Database.Status == "up"
		})
	}

	outage("down at start-up")
	recovery("down at start-up")
	cluster.Stop(t)
	outage("down under a ready server")
	recovery("down under a ready server")

	lines := callLines(t, h.logs.String())
	unavailable := 0
	for _, l := range lines {
		if l.Outcome == "unavailable" {
			unavailable++
			if l.Level != "WARN" || !strings.Contains(l.Error, "connect") {
				t.Fatalf("unavailable call logged as %+v: want WARN with the cause", l)
			}
		}
	}
	if unavailable != 4 {
		t.Fatalf("%d calls logged as unavailable, want 4", unavailable)
	}
}

// A database that is never reachable: the server starts, serves /healthz
// as unhealthy and answers database calls with the unavailable error.
func TestUnreachableDatabase(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	h := startServer(t, func(c *mcpserver.Config) {
		c.DB.URL = "postgres://postgres@" + closed + "/postgres?sslmode=disable"
		c.DB.AcquireTimeout = 500 * time.Millisecond
	})
	code, rep := h.health(t)
	if code != http.StatusServiceUnavailable || rep.Status != "unhealthy" || rep.Database.Status != "down" ||
		!strings.Contains(rep.Database.Error, "connect") {
		t.Fatalf("/healthz: HTTP %d, %+v", code, rep)
	}
	c := h.client(t, "")
	start := time.Now()
	res := call(t, c, "sleep_query", map[string]any{"milliseconds": 1})
	if took := time.Since(start); !res.IsError || !strings.Contains(text(res), "unavailable") || took > 500*time.Millisecond+slack {
		t.Fatalf("sleep_query: isError %v, %q after %s", res.IsError, text(res), took)
	}
	if strings.Contains(text(res), closed) {
		t.Fatalf("the caller sees the database address: %q", text(res))
	}
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	if err := h.srv.DB().WaitReady(ctx); err == nil {
		t.Fatal("the database became ready")
	}
}

func must(_ int, b []byte) []byte { return b }
