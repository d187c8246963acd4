package report_test

import (
	"fmt"
	"io"
	"testing"

	"github.com/perfgate/perfgate/gate"
	"github.com/perfgate/perfgate/gate/report"
)

// bigReport has n comparisons, one in ten a regression, one in ten an
// improvement, the rest unchanged.
func bigReport(n int) *gate.Report {
	r := &gate.Report{Alpha: 0.05, Environment: gate.Environment{GOOS: "linux", GOARCH: "amd64", CPU: "AMD EPYC 7763", Baseline: "committed baselines"}}
	for i := range n {
		c := gate.Comparison{
			Suite: "suite", Benchmark: fmt.Sprintf("Benchmark%04d/case=%d-2", i/3, i%3), Unit: []string{"sec/op", "B/op", "allocs/op"}[i%3],
			Better: gate.LowerIsBetter, Threshold: 0.1,
			Old:   stat(100e-9, 95e-9, 105e-9, 10),
			New:   stat(101e-9, 96e-9, 106e-9, 10),
			Delta: 0.01, P: 0.5, PAdjusted: 0.9, Status: gate.StatusUnchanged,
		}
		switch i % 10 {
		case 3:
			c.New, c.Delta, c.P, c.PAdjusted, c.Significant, c.Status = stat(150e-9, 145e-9, 155e-9, 10), 0.5, 0.0001, 0.002, true, gate.StatusRegression
		case 7:
			c.New, c.Delta, c.P, c.PAdjusted, c.Significant, c.Status = stat(50e-9, 45e-9, 55e-9, 10), -0.5, 0.0001, 0.002, true, gate.StatusImprovement
		}
		r.Comparisons = append(r.Comparisons, c)
	}
	r.Decide(gate.DefaultFailOn())
	return r
}

// BenchmarkRender renders the report of `perfgate compare` on 100
// benchmarks with three units each, in every format.
func BenchmarkRender(b *testing.B) {
	r := bigReport(300)
	for _, rd := range []struct {
		name   string
		render func(io.Writer) error
	}{
		{"text", func(w io.Writer) error { return report.Text(w, r) }},
		{"markdown", func(w io.Writer) error { return report.Markdown(w, r, report.MarkdownOptions{}) }},
		{"json", func(w io.Writer) error { return report.JSON(w, r) }},
		{"benchstat", func(w io.Writer) error { return report.Benchstat(w, r, report.TableOptions{}) }},
	} {
		b.Run(rd.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := rd.render(io.Discard); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
