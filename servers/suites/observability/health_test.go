package observability_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/perfgate/perfgate/servers/suites/internal/suitetest"
)

// healthReport is /healthz as the runtime's contract (issue 4) defines it;
// pointers tell a missing field from a zero.
type healthReport struct {
	Status   *string `json:"status"`
	Database *struct {
		Status *string  `json:"status"`
		PingMS *float64 `json:"ping_ms"`
	} `json:"database"`
	Pool *struct {
		Size               *float64 `json:"size"`
		Acquired           *float64 `json:"acquired"`
		Idle               *float64 `json:"idle"`
		Max                *float64 `json:"max"`
		UtilizationPercent *float64 `json:"utilization_percent"`
	} `json:"pool"`
	UptimeSeconds *float64 `json:"uptime_seconds"`
	Version       *string  `json:"version"`
}

// checkHealthReport checks a health report's fields and that it says
// healthy with the database up.
func checkHealthReport(t *testing.T, where string, body []byte) {
	t.Helper()
	var r healthReport
	if err := json.Unmarshal(body, &r); err != nil {
		t.Fatalf("%s: not JSON: %v: %s", where, err, body)
	}
	switch {
	case r.Status == nil, r.Database == nil, r.Database.Status == nil, r.Database.PingMS == nil,
		r.Pool == nil, r.Pool.Size == nil, r.Pool.Acquired == nil, r.Pool.Idle == nil, r.Pool.Max == nil,
		r.Pool.UtilizationPercent == nil, r.UptimeSeconds == nil, r.Version == nil:
		t.Fatalf("%s lacks fields of {status, database: {status, ping_ms}, pool: {size, acquired, idle, max, utilization_percent}, uptime_seconds, version}: %s", where, body)
	}
	if *r.Status != "healthy" || *r.Database.Status != "up" {
		t.Errorf("%s: status %s, database %s; want healthy and up: %s", where, *r.Status, *r.Database.Status, body)
	}
	if *r.Database.PingMS < 0 || *r.UptimeSeconds <= 0 || *r.Pool.Max <= 0 || *r.Pool.Size > *r.Pool.Max ||
		*r.Pool.Acquired > *r.Pool.Size || *r.Pool.UtilizationPercent < 0 || *r.Pool.UtilizationPercent > 100 || *r.Version == "" {
		t.Errorf("%s: inconsistent figures: %s", where, body)
	}
}

// TestHealthzReport checks /healthz and the health://status resource of
// both servers, idle after a load of calls: every field of the contract,
// healthy, HTTP 200.
func TestHealthzReport(t *testing.T) {
	set := loadSettings(t)
	set.files = min(set.files, 50)
	w := newWorld(t, set)
	l := newLoad(t, w, 4)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	l.run(ctx, 10, suitetest.Think{})
	if len(l.tally.failures) > 0 {
		t.Errorf("calls failed: %v", l.tally.failures)
	}
	for _, s := range []*suitetest.Server{w.cb, w.wf} {
		code, body, err := suitetest.HTTPGet(ctx, nil, s.Base+"/healthz")
		if err != nil {
			t.Fatal(err)
		}
		if code != http.StatusOK {
			t.Errorf("%s /healthz: HTTP %d, want 200: %s", s.Name, code, body)
		}
		checkHealthReport(t, s.Name+" /healthz", body)

		c := suitetest.Connect(t, s.URL)
		res, err := c.MCP.ReadResource(ctx, mcp.ReadResourceRequest{Params: mcp.ReadResourceParams{URI: "health://status"}})
		if err != nil {
			t.Fatalf("%s health://status: %v", s.Name, err)
		}
		if len(res.Contents) != 1 {
			t.Fatalf("%s health://status: %d contents, want 1", s.Name, len(res.Contents))
		}
		text, ok := res.Contents[0].(mcp.TextResourceContents)
		if !ok {
			t.Fatalf("%s health://status: %T, want text", s.Name, res.Contents[0])
		}
		checkHealthReport(t, s.Name+" health://status", []byte(text.Text))
	}
}
