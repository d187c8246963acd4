package report_test

import (
	"bytes"
	"flag"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/perfgate/perfgate/gate"
	"github.com/perfgate/perfgate/gate/compare"
	"github.com/perfgate/perfgate/gate/report"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// benchDir holds the real `go test -bench` outputs shared by the packages.
var benchDir = filepath.Join("..", "..", "testdata", "bench")

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it); got:\n%s", path, got)
	}
}

func stat(center, lo, hi float64, n int, warnings ...string) *gate.Stat {
	return &gate.Stat{Center: center, Lo: lo, Hi: hi, Confidence: 0.978515625, N: n, Warnings: warnings}
}

// fullReport has one of everything a report can hold.
func fullReport() *gate.Report {
	nan := math.NaN()
	r := &gate.Report{
		Alpha: 0.05,
		Comparisons: []gate.Comparison{
			{Suite: "search", Benchmark: "Search/q=short-2", Unit: "sec/op", OrigUnit: "ns/op", Better: gate.LowerIsBetter,
				Old: stat(100.5e-6, 90e-6, 110e-6, 10), New: stat(131.2e-6, 125e-6, 140e-6, 10),
				Delta: 0.30547, P: 0.000182, PAdjusted: 0.0011, Significant: true, Threshold: 0.10, Status: gate.StatusRegression},
			{Suite: "search", Benchmark: "Search/q=short-2", Unit: "p95-sec/op", OrigUnit: "p95-ns/op", Better: gate.LowerIsBetter,
				Old: stat(811.5e-9, 805e-9, 820e-9, 10), New: stat(977e-9, 960e-9, 990e-9, 10),
				Delta: 0.20394, P: 0.000011, PAdjusted: 0.0001, Significant: true, Threshold: 0.10, Status: gate.StatusRegression},
			{Suite: "search", Benchmark: "Search/q=short-2", Unit: "errors/op", OrigUnit: "errors/op", Better: gate.LowerIsBetter, Exact: true,
				Old: stat(0, 0, 0, 10), New: stat(2, 2, 2, 10),
				Delta: math.Inf(1), Significant: true, Threshold: 0.10, Status: gate.StatusRegression},
			{Suite: "search", Benchmark: "Search/q=short-2", Unit: "req/s", OrigUnit: "req/s", Better: gate.HigherIsBetter,
				Old: stat(995.9e3, 900e3, 1100e3, 10), New: stat(1300e3, 1250e3, 1350e3, 10),
				Delta: 0.30535, P: 0.0004, PAdjusted: 0.0016, Significant: true, Threshold: 0.10, Status: gate.StatusImprovement},
			{Suite: "index", Benchmark: "Index/files=100-2", Config: "pkg=example.com/index", Unit: "sec/op", OrigUnit: "ns/op", Better: gate.LowerIsBetter,
				Old: stat(2.5e-3, 2.4e-3, 2.6e-3, 10), New: stat(2.6e-3, 2.55e-3, 2.65e-3, 10),
				Delta: 0.04, P: 0.004, PAdjusted: 0.012, Significant: true, Threshold: 0.10, Status: gate.StatusChanged},
			{Suite: "index", Benchmark: "Index/files=100-2", Config: "pkg=example.com/index", Unit: "B/op", OrigUnit: "B/op", Better: gate.LowerIsBetter,
				Old: stat(4096, 4096, 4096, 10), New: stat(4100, 4096, 4200, 10),
				Delta: 0.000977, P: 0.3, PAdjusted: 0.6, Threshold: 0.10, Status: gate.StatusUnchanged},
			{Suite: "index", Benchmark: "Index/files=10-2", Config: "pkg=example.com/index", Unit: "sec/op", OrigUnit: "ns/op", Better: gate.LowerIsBetter,
				Old:   stat(300e-6, math.Inf(-1), math.Inf(1), 3, "3 samples: fewer than 6, significance is weak", "need >= 6 samples for confidence interval at level 0.95"),
				New:   stat(310e-6, math.Inf(-1), math.Inf(1), 3, "3 samples: fewer than 6, significance is weak", "need >= 6 samples for confidence interval at level 0.95"),
				Delta: 0.0333, P: 0.7, PAdjusted: 0.84, Threshold: 0.10, Status: gate.StatusUnchanged,
				Warnings: []string{"need >= 6 samples for confidence interval at level 0.95", "3 samples: fewer than 6, significance is weak", "need >= 4 samples to detect a difference at alpha level 0.05"}},
			{Suite: "index", Benchmark: "Reindex-2", Config: "pkg=example.com/index", Unit: "sec/op", OrigUnit: "ns/op", Better: gate.LowerIsBetter,
				New: stat(5e-3, 4.9e-3, 5.1e-3, 10), Delta: nan, P: nan, PAdjusted: nan, Threshold: 0.10, Status: gate.StatusNew},
			{Suite: "index", Benchmark: "Vacuum|full-2", Config: "pkg=example.com/index", Unit: "sec/op", OrigUnit: "ns/op", Better: gate.LowerIsBetter,
				Old: stat(7e-3, 6.9e-3, 7.1e-3, 10), Delta: nan, P: nan, PAdjusted: nan, Threshold: 0.10, Status: gate.StatusMissing},
		},
		Targets: []gate.TargetResult{
			{Target: "Search p95-ns/op <= 900ns", Suite: "search", Benchmark: "Search/q=short-2", Unit: "p95-sec/op", Op: gate.AtMost, Limit: 900e-9,
				Value: 977e-9, Lo: 960e-9, Hi: 990e-9, Bound: 960e-9, Margin: -0.1, Status: gate.TargetFail},
			{Target: "Search req/s >= 1.2M", Suite: "search", Benchmark: "Search/q=short-2", Unit: "req/s", Op: gate.AtLeast, Limit: 1.2e6,
				Value: 1.3e6, Lo: 1.25e6, Hi: 1.35e6, Bound: 1.35e6, Margin: 0.041667, Status: gate.TargetPass},
			{Target: "Index ns/op <= 2.6ms", Suite: "index", Benchmark: "Index/files=100-2", Unit: "sec/op", Op: gate.AtMost, Limit: 2.6e-3,
				Value: 2.6e-3, Lo: 2.55e-3, Hi: 2.65e-3, Bound: 2.55e-3, Margin: -0.019231, Status: gate.TargetWarn},
			{Target: "Export ns/op <= 1s", Unit: "ns/op", Op: gate.AtMost, Limit: 1,
				Value: nan, Lo: nan, Hi: nan, Bound: nan, Margin: nan, Status: gate.TargetMissing},
		},
		TestFailures: []gate.TestFailure{{Suite: "integration", Package: "example.com/api", Test: "TestSearch/<empty>",
			Output: "    search_test.go:42: got 3 results, want 4\n    ```quoted```\n"}},
		Warnings: []string{
			"baselines/search.txt:12: missing measurements",
			`suite search: baseline measured on cpu "Intel Xeon", new results on cpu "AMD EPYC 7763": timings across machines are not comparable`,
			"1 comparison has fewer than 6 samples on a side: their significance is weak; run the suite more often (count)",
		},
		Suites: []gate.SuiteResult{
			{Name: "search", Kind: gate.KindBench, Runs: 2, Duration: 41*time.Second + 300*time.Millisecond, Results: 40},
			{Name: "index", Kind: gate.KindBench, Runs: 2, Duration: 12 * time.Second, Results: 62},
			{Name: "integration", Kind: gate.KindTest, Runs: 1, Duration: 3 * time.Second, TestsPassed: 41, TestsFailed: 1, TestsSkipped: 2},
		},
		Environment: gate.Environment{
			GOOS: "linux", GOARCH: "amd64", CPU: "AMD EPYC 7763", GoVersion: "go1.26.0", Provider: "docker",
			HeadCommit: "3f2c1a9", BaseCommit: "9e8d7c6", Baseline: "committed baselines", BaselineCPU: "Intel Xeon",
		},
		Duration: 58*time.Second + 120*time.Millisecond,
	}
	r.Decide(gate.DefaultFailOn())
	return r
}

// quietReport is a passing run where nothing changed.
func quietReport() *gate.Report {
	r := &gate.Report{
		Alpha: 0.05,
		Comparisons: []gate.Comparison{
			{Suite: "search", Benchmark: "Search-2", Unit: "sec/op", OrigUnit: "ns/op", Better: gate.LowerIsBetter,
				Old: stat(1.2e-3, 1.1e-3, 1.3e-3, 10), New: stat(1.21e-3, 1.15e-3, 1.3e-3, 10),
				Delta: 0.00833, P: 0.6, PAdjusted: 0.6, Threshold: 0.10, Status: gate.StatusUnchanged},
		},
		Environment: gate.Environment{GOOS: "linux", GOARCH: "amd64", CPU: "AMD EPYC 7763", GoVersion: "go1.26.0", Baseline: "base-ref origin/main", HeadCommit: "3f2c1a9", BaseCommit: "9e8d7c6", Provider: "local"},
	}
	r.Decide(gate.DefaultFailOn())
	return r
}

// pairedReport is a --base-ref run: the sides' samples were measured in
// pairs, and the paired test decides where it applies.
func pairedReport() *gate.Report {
	r := &gate.Report{
		Alpha: 0.05,
		Comparisons: []gate.Comparison{
			{Suite: "gate", Benchmark: "ParseBench-2", Unit: "sec/op", OrigUnit: "ns/op", Better: gate.LowerIsBetter,
				Old: stat(900e-6, 700e-6, 1100e-6, 12), New: stat(1010e-6, 800e-6, 1250e-6, 12),
				Delta: 0.1523, P: 0.29, Paired: &gate.PairedTest{N: 12, Delta: 0.1523, P: 2e-7}, PAdjusted: 6e-7,
				Significant: true, Threshold: 0.10, Status: gate.StatusRegression},
			{Suite: "gate", Benchmark: "ParseBench-2", Unit: "B/op", OrigUnit: "B/op", Better: gate.LowerIsBetter,
				Old: stat(4096, 4096, 4096, 12), New: stat(4096, 4096, 4096, 12),
				Delta: 0, P: 1, Paired: &gate.PairedTest{N: 12, Delta: 0, P: 1}, PAdjusted: 1, Threshold: 0.10, Status: gate.StatusUnchanged},
			{Suite: "gate", Benchmark: "Render/text-2", Unit: "sec/op", OrigUnit: "ns/op", Better: gate.LowerIsBetter,
				Old: stat(50e-6, 40e-6, 61e-6, 12), New: stat(49e-6, 41e-6, 60e-6, 12),
				Delta: -0.012, P: 0.8, Paired: &gate.PairedTest{N: 12, Delta: -0.012, P: 0.41}, PAdjusted: 0.61, Threshold: 0.10, Status: gate.StatusUnchanged},
		},
		Environment: gate.Environment{GOOS: "linux", GOARCH: "amd64", CPU: "AMD EPYC 7763", GoVersion: "go1.26.0", Baseline: "base-ref origin/main", HeadCommit: "3f2c1a9", BaseCommit: "9e8d7c6", Provider: "local"},
	}
	r.Decide(gate.DefaultFailOn())
	return r
}

// fixtureReport compares one of the testdata/bench pairs.
func fixtureReport(t testing.TB, pair string) *gate.Report {
	t.Helper()
	r, err := compare.ReportFiles(filepath.Join(benchDir, pair+"-old.txt"), filepath.Join(benchDir, pair+"-new.txt"), compare.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

type renderer struct {
	ext    string
	render func(*bytes.Buffer, *gate.Report) error
}

var renderers = []renderer{
	{"text", func(b *bytes.Buffer, r *gate.Report) error { return report.Text(b, r) }},
	{"md", func(b *bytes.Buffer, r *gate.Report) error { return report.Markdown(b, r, report.MarkdownOptions{}) }},
	{"json", func(b *bytes.Buffer, r *gate.Report) error { return report.JSON(b, r) }},
	{"benchstat", func(b *bytes.Buffer, r *gate.Report) error {
		return report.Benchstat(b, r, report.TableOptions{OldLabel: "old.txt", NewLabel: "new.txt"})
	}},
}

func TestGolden(t *testing.T) {
	reports := map[string]func(testing.TB) *gate.Report{
		"full":       func(testing.TB) *gate.Report { return fullReport() },
		"quiet":      func(testing.TB) *gate.Report { return quietReport() },
		"paired":     func(testing.TB) *gate.Report { return pairedReport() },
		"regression": func(t testing.TB) *gate.Report { return fixtureReport(t, "regression") },
		"noise":      func(t testing.TB) *gate.Report { return fixtureReport(t, "noise") },
		"units":      func(t testing.TB) *gate.Report { return fixtureReport(t, "units") },
	}
	for name, mk := range reports {
		for _, rd := range renderers {
			t.Run(name+"."+rd.ext, func(t *testing.T) {
				if !*update {
					t.Parallel()
				}
				var b bytes.Buffer
				if err := rd.render(&b, mk(t)); err != nil {
					t.Fatal(err)
				}
				golden(t, name+"."+rd.ext+".golden", b.Bytes())
			})
		}
	}
}

func TestMarkdownStructure(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name    string
		r       *gate.Report
		verdict string
		order   []string
	}{
		{"full", fullReport(), "### ❌ perfgate: 3 regressions, 1 target breached, 1 failing test\n", []string{
			"#### Regressions", "#### Targets", "#### Failing tests", "#### Improvements", "<details><summary>All 9 comparisons</summary>", "warnings</summary>", "#### Environment", "| Baseline CPU | Intel Xeon",
		}},
		{"quiet", quietReport(), "### ✅ perfgate: no regressions\n", []string{"<details><summary>All 1 comparison</summary>", "#### Environment"}},
	} {
		var b bytes.Buffer
		if err := report.Markdown(&b, tt.r, report.MarkdownOptions{}); err != nil {
			t.Fatal(err)
		}
		md := b.String()
		first, rest, _ := strings.Cut(md, "\n")
		if first != report.Marker {
			t.Errorf("%s: first line %q, want the marker", tt.name, first)
		}
		if !strings.HasPrefix(rest, tt.verdict) {
			t.Errorf("%s: second line %q, want %q", tt.name, strings.SplitN(rest, "\n", 2)[0], tt.verdict)
		}
		at := 0
		for _, s := range tt.order {
			i := strings.Index(md[at:], s)
			if i < 0 {
				t.Errorf("%s: %q missing or out of order", tt.name, s)
				continue
			}
			at += i
		}
	}
}

func TestMarkdownFitsMaxLen(t *testing.T) {
	t.Parallel()
	r := bigReport(2000)
	for _, max := range []int{0, 20000} {
		var b bytes.Buffer
		if err := report.Markdown(&b, r, report.MarkdownOptions{MaxLen: max}); err != nil {
			t.Fatal(err)
		}
		limit := max
		if limit == 0 {
			limit = report.DefaultMaxLen
		}
		md := b.String()
		if len(md) > limit {
			t.Errorf("MaxLen %d: %d bytes", max, len(md))
		}
		for _, want := range []string{report.Marker, "more rows in report.json", "</details>", "#### Environment", "…and"} {
			if !strings.Contains(md, want) {
				t.Errorf("MaxLen %d: no %q", max, want)
			}
		}
	}
}

func TestJSONRoundTrip(t *testing.T) {
	t.Parallel()
	for _, r := range []*gate.Report{fullReport(), fixtureReport(t, "units")} {
		var first bytes.Buffer
		if err := report.JSON(&first, r); err != nil {
			t.Fatal(err)
		}
		back, err := report.ReadJSON(bytes.NewReader(first.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		if back.Verdict != r.Verdict || len(back.Comparisons) != len(r.Comparisons) || len(back.Targets) != len(r.Targets) {
			t.Fatalf("round trip: verdict %s, %d comparisons, %d targets", back.Verdict, len(back.Comparisons), len(back.Targets))
		}
		for i, c := range back.Comparisons {
			o := r.Comparisons[i]
			if c.Benchmark != o.Benchmark || c.Status != o.Status || !sameFloat(c.P, o.P) || (o.Old != nil && !sameFloat(c.Old.Center, o.Old.Center)) {
				t.Errorf("comparison %d: %+v, want %+v", i, c, o)
			}
		}
		// Non-finite numbers are null and read back as NaN.
		if math.IsInf(r.Comparisons[2].Delta, 1) && !math.IsNaN(back.Comparisons[2].Delta) {
			t.Errorf("+Inf delta read back as %v", back.Comparisons[2].Delta)
		}
		var second bytes.Buffer
		if err := report.JSON(&second, back); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(first.Bytes(), second.Bytes()) {
			t.Errorf("JSON → ReadJSON → JSON changed the document")
		}
	}
}

func sameFloat(a, b float64) bool {
	return a == b || (math.IsNaN(a) && math.IsNaN(b)) || (math.IsInf(b, 0) && math.IsNaN(a))
}
