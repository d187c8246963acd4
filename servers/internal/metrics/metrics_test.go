package metrics_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/perfgate/perfgate/servers/internal/metrics"
	"github.com/perfgate/perfgate/servers/internal/pgdb"
	"github.com/perfgate/perfgate/servers/internal/tool"
)

var _ tool.Recorder = (*metrics.Metrics)(nil)

// fakePool is a hand-written metrics.Pool.
type fakePool struct{ stats pgdb.Stats }

var _ metrics.Pool = fakePool{}

func (f fakePool) Stats() pgdb.Stats { return f.stats }

func parse(t *testing.T, r io.Reader) map[string]*dto.MetricFamily {
	t.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	families, err := p.TextToMetricFamilies(r)
	if err != nil {
		t.Fatalf("parse exposition: %v", err)
	}
	return families
}

// value returns the value of the sample of family name whose labels include
// want, or fails.
func value(t *testing.T, families map[string]*dto.MetricFamily, name string, want map[string]string) float64 {
	t.Helper()
	f := families[name]
	if f == nil {
		t.Fatalf("no metric %s", name)
	}
next:
	for _, m := range f.GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if labels[k] != v {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount())
		}
	}
	t.Fatalf("no sample of %s with labels %v", name, want)
	return 0
}

func TestExposition(t *testing.T) {
	t.Parallel()
	m := metrics.New(metrics.Options{Server: "test-mcp", Version: "v1.2.3"})
	m.WatchPool(fakePool{pgdb.Stats{Ready: true, MaxConns: 10, AcquiredConns: 7, IdleConns: 2, TotalConns: 9, BusyCount: 4}})
	m.InitTool("never_called")
	for range 3 {
		m.CallStarted("search")
		m.CallFinished("search", "ok", 3*time.Millisecond)
	}
	m.CallStarted("search")
	m.CallFinished("search", "busy", 2*time.Second)
	m.CallStarted("search") // still in flight

	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	families := parse(t, resp.Body)

	server := map[string]string{"server": "test-mcp"}
	with := func(kv ...string) map[string]string {
		out := map[string]string{"server": "test-mcp"}
		for i := 0; i < len(kv); i += 2 {
			out[kv[i]] = kv[i+1]
		}
		return out
	}
	checks := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"mcp_tool_calls_total", with("tool", "search", "outcome", "ok"), 3},
		{"mcp_tool_calls_total", with("tool", "search", "outcome", "busy"), 1},
		{"mcp_tool_calls_total", with("tool", "never_called", "outcome", "ok"), 0},
		{"mcp_tool_errors_total", with("tool", "search", "outcome", "busy"), 1},
		{"mcp_tool_call_duration_seconds", with("tool", "search"), 4},
		{"mcp_tool_calls_in_flight", with("tool", "search"), 1},
		{"mcp_db_pool_max_conns", server, 10},
		{"mcp_db_pool_acquired_conns", server, 7},
		{"mcp_db_busy_rejections_total", server, 4},
		{"mcp_db_ready", server, 1},
		{"mcp_build_info", with("version", "v1.2.3"), 1},
	}
	for _, c := range checks {
		if got := value(t, families, c.name, c.labels); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	if _, ok := families["mcp_tool_errors_total"]; ok {
		// Successful calls are not errors.
		for _, s := range families["mcp_tool_errors_total"].GetMetric() {
			for _, l := range s.GetLabel() {
				if l.GetName() == "outcome" && l.GetValue() == "ok" {
					t.Errorf("an ok call counted as an error")
				}
			}
		}
	}
	if families["go_goroutines"] == nil {
		t.Error("no Go runtime metrics")
	}
}

func TestWriteText(t *testing.T) {
	t.Parallel()
	m := metrics.New(metrics.Options{Server: "test-mcp"})
	m.CallStarted("echo")
	m.CallFinished("echo", "ok", time.Millisecond)
	var buf bytes.Buffer
	if err := m.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(metrics.TextContentType, "text/plain") {
		t.Fatalf("content type %q", metrics.TextContentType)
	}
	families := parse(t, &buf)
	if got := value(t, families, "mcp_tool_calls_total", map[string]string{"tool": "echo", "outcome": "ok"}); got != 1 {
		t.Fatalf("calls = %v, want 1", got)
	}
}
