package observability_test

import (
	"bytes"
	"context"
	"net/http"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/perfgate/perfgate/servers/suites/internal/suitetest"
)

// scrape is what /metrics said about tool calls.
type scrape struct {
	// calls and errors are mcp_tool_calls_total and mcp_tool_errors_total
	// by tool and outcome.
	calls, errors map[[2]string]float64
	// count and sum are mcp_tool_call_duration_seconds by tool.
	count map[string]uint64
	sum   map[string]float64
	// inFlight is mcp_tool_calls_in_flight by tool.
	inFlight map[string]float64
	// families are every metric family, by name.
	families map[string]*dto.MetricFamily
}

// scrapeMetrics fetches base/metrics and parses it with expfmt, checking
// every tool series carries the server's label.
func scrapeMetrics(tb testing.TB, s *suitetest.Server) scrape {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	code, body, err := suitetest.HTTPGet(ctx, nil, s.Base+"/metrics")
	if err != nil || code != http.StatusOK {
		tb.Fatalf("GET %s/metrics: %d %v", s.Base, code, err)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		tb.Fatalf("%s /metrics does not parse: %v", s.Name, err)
	}
	out := scrape{calls: map[[2]string]float64{}, errors: map[[2]string]float64{}, count: map[string]uint64{},
		sum: map[string]float64{}, inFlight: map[string]float64{}, families: families}
	each := func(name string, f func(labels map[string]string, m *dto.Metric)) {
		fam, ok := families[name]
		if !ok {
			tb.Fatalf("%s /metrics has no %s", s.Name, name)
		}
		for _, m := range fam.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["server"] != s.Name {
				tb.Errorf("%s: %s%v has server label %q", s.Name, name, labels, labels["server"])
			}
			f(labels, m)
		}
	}
	each("mcp_tool_calls_total", func(l map[string]string, m *dto.Metric) {
		out.calls[[2]string{l["tool"], l["outcome"]}] = m.GetCounter().GetValue()
	})
	if _, ok := families["mcp_tool_errors_total"]; ok { // absent until the first error
		each("mcp_tool_errors_total", func(l map[string]string, m *dto.Metric) {
			out.errors[[2]string{l["tool"], l["outcome"]}] = m.GetCounter().GetValue()
		})
	}
	each("mcp_tool_call_duration_seconds", func(l map[string]string, m *dto.Metric) {
		out.count[l["tool"]] = m.GetHistogram().GetSampleCount()
		out.sum[l["tool"]] = m.GetHistogram().GetSampleSum()
	})
	each("mcp_tool_calls_in_flight", func(l map[string]string, m *dto.Metric) {
		out.inFlight[l["tool"]] = m.GetGauge().GetValue()
	})
	return out
}

// value is the value of a family with one series (a gauge or a counter),
// or -1 when the family is missing or has several series.
func (s scrape) value(name string) float64 {
	fam, ok := s.families[name]
	if !ok || len(fam.GetMetric()) != 1 {
		return -1
	}
	m := fam.GetMetric()[0]
	switch {
	case m.GetGauge() != nil:
		return m.GetGauge().GetValue()
	case m.GetCounter() != nil:
		return m.GetCounter().GetValue()
	}
	return -1
}
