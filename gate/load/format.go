package load

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
)

// The units of the result lines besides ns/op (the mean). Their direction
// and assumption are declared once, in Unit lines, so that benchstat and
// the gate compare them the right way round.
const (
	UnitP50    = "p50-ns/op"
	UnitP95    = "p95-ns/op"
	UnitP99    = "p99-ns/op"
	UnitRate   = "calls/s"
	UnitErrors = "errors/op"
)

// unitLines declare the units' directions: latencies lower, the rate
// higher, and errors/op exact (any change is real) and lower.
var unitLines = []string{
	"Unit " + UnitP50 + " better=lower",
	"Unit " + UnitP95 + " better=lower",
	"Unit " + UnitP99 + " better=lower",
	"Unit " + UnitRate + " better=higher",
	"Unit " + UnitErrors + " assume=exact better=lower",
}

// Printer writes rounds in Go benchmark format, readable by
// golang.org/x/perf/benchfmt and benchstat: configuration and Unit lines
// once, before the first round, then one line per tool and round:
//
//	BenchmarkLoad/scenario=workflow-mix/tool=switch_project/clients=50 	 1234	 812345 ns/op	 700123 p50-ns/op	 1903211 p95-ns/op	 3012345 p99-ns/op	 41.13 calls/s	 0 errors/op
//
// The iteration count is the number of calls. A tool without calls in a
// round has no line: it has no latency.
type Printer struct {
	w        io.Writer
	header   []string
	scenario string
	clients  int
	started  bool
}

// NewPrinter returns a Printer of cfg's results to w. The configuration
// lines are goos, goarch, cpu (when known), scenario and think; the URL
// is not one of them, so that runs against servers on different ports
// compare.
func NewPrinter(w io.Writer, cfg Config) *Printer {
	cfg = cfg.WithDefaults()
	h := []string{"goos: " + runtime.GOOS, "goarch: " + runtime.GOARCH}
	if cpu := cpuModel(); cpu != "" {
		h = append(h, "cpu: "+cpu)
	}
	name := ""
	if cfg.Scenario != nil {
		name = cfg.Scenario.Name()
	}
	h = append(h, "scenario: "+name, "think: "+cfg.Think.String())
	return &Printer{w: w, header: h, scenario: name, clients: cfg.Clients}
}

// BenchmarkName is the name (without "Benchmark") of a tool's results.
func BenchmarkName(scenario, tool string, clients int) string {
	return fmt.Sprintf("Load/scenario=%s/tool=%s/clients=%d", scenario, tool, clients)
}

// Round writes one round's lines, after the header the first time.
func (p *Printer) Round(r Round) error {
	var b strings.Builder
	if !p.started {
		for _, l := range p.header {
			b.WriteString(l + "\n")
		}
		for _, l := range unitLines {
			b.WriteString(l + "\n")
		}
		p.started = true
	}
	for _, t := range r.Tools {
		if t.Calls == 0 {
			continue
		}
		fmt.Fprintf(&b, "Benchmark%s\t%d\t%d ns/op\t%d %s\t%d %s\t%d %s\t%s %s\t%s %s\n",
			BenchmarkName(p.scenario, t.Tool, p.clients), t.Calls, t.Mean.Nanoseconds(),
			t.P50.Nanoseconds(), UnitP50, t.P95.Nanoseconds(), UnitP95, t.P99.Nanoseconds(), UnitP99,
			strconv.FormatFloat(t.Rate, 'f', 2, 64), UnitRate,
			strconv.FormatFloat(t.ErrorRate(), 'g', 6, 64), UnitErrors)
	}
	_, err := io.WriteString(p.w, b.String())
	return err
}

// cpuModel is the CPU's name as `go test` prints it: the brand string
// on x86, else the model name of /proc/cpuinfo, or "".
func cpuModel() string {
	if b := strings.TrimSpace(cpuBrand()); b != "" {
		return b
	}
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
