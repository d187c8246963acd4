package compare_test

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"golang.org/x/perf/benchfmt"

	"github.com/perfgate/perfgate/gate"
	"github.com/perfgate/perfgate/gate/compare"
)

// benchDir holds the real `go test -bench` outputs shared by the packages.
var benchDir = filepath.Join("..", "..", "testdata", "bench")

// set reads Go benchmark format text into a Set.
func set(t *testing.T, name, text string) *compare.Set {
	t.Helper()
	s := compare.NewSet()
	if err := s.Read(strings.NewReader(text), name); err != nil {
		t.Fatal(err)
	}
	return s
}

// lines returns n result lines for a benchmark whose values are
// base, base+step, ... in unit.
func lines(bench string, n int, base, step float64, unit string) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "Benchmark%s 100 %g %s\n", bench, base+float64(i)*step, unit)
	}
	return b.String()
}

func find(t *testing.T, cs []gate.Comparison, bench, unit string) gate.Comparison {
	t.Helper()
	for _, c := range cs {
		if c.Benchmark == bench && c.Unit == unit {
			return c
		}
	}
	t.Fatalf("no comparison %s %s in %d comparisons", bench, unit, len(cs))
	return gate.Comparison{}
}

func run(t *testing.T, opts compare.Options, pairs ...compare.Pair) *compare.Result {
	t.Helper()
	res, err := compare.Run(pairs, opts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestRunStatuses(t *testing.T) {
	t.Parallel()
	old := set(t, "old.txt", "goos: linux\n"+
		lines("Slower", 10, 100, 1, "ns/op")+
		lines("Faster", 10, 100, 1, "ns/op")+
		lines("Slightly", 10, 100, 1, "ns/op")+
		lines("Same", 10, 100, 1, "ns/op")+
		lines("Gone", 10, 100, 1, "ns/op")+
		lines("Rate", 10, 100, 1, "MB/s")+
		lines("Custom", 10, 100, 1, "req/s"))
	nw := set(t, "new.txt", "goos: linux\n"+
		lines("Slower", 10, 150, 1, "ns/op")+
		lines("Faster", 10, 50, 1, "ns/op")+
		lines("Slightly", 10, 105, 1, "ns/op")+
		lines("Same", 10, 100, 1, "ns/op")+
		lines("Fresh", 10, 100, 1, "ns/op")+
		lines("Rate", 10, 50, 1, "MB/s")+
		lines("Custom", 10, 200, 1, "req/s"))
	res := run(t, compare.Options{}, compare.Pair{Suite: "s", Old: old, New: nw})

	for _, tt := range []struct {
		bench, unit string
		status      gate.Status
		better      gate.Direction
	}{
		{"Slower", "sec/op", gate.StatusRegression, gate.LowerIsBetter},
		{"Faster", "sec/op", gate.StatusImprovement, gate.LowerIsBetter},
		{"Slightly", "sec/op", gate.StatusChanged, gate.LowerIsBetter},
		{"Same", "sec/op", gate.StatusUnchanged, gate.LowerIsBetter},
		{"Gone", "sec/op", gate.StatusMissing, gate.LowerIsBetter},
		{"Fresh", "sec/op", gate.StatusNew, gate.LowerIsBetter},
		// MB/s is tidied to B/s: a rate, higher is better.
		{"Rate", "B/s", gate.StatusRegression, gate.HigherIsBetter},
		// No metadata, but a rate by its "/s".
		{"Custom", "req/s", gate.StatusImprovement, gate.HigherIsBetter},
	} {
		c := find(t, res.Comparisons, tt.bench, tt.unit)
		if c.Status != tt.status || c.Better != tt.better || c.Suite != "s" {
			t.Errorf("%s %s: status %s better %d suite %q, want %s %d s (delta %v, p %v, adjusted %v)",
				tt.bench, tt.unit, c.Status, c.Better, c.Suite, tt.status, tt.better, c.Delta, c.P, c.PAdjusted)
		}
	}

	slower := find(t, res.Comparisons, "Slower", "sec/op")
	if slower.OrigUnit != "ns/op" || slower.Old.N != 10 || slower.Threshold != gate.DefaultThreshold {
		t.Errorf("Slower: orig unit %q, n %d, threshold %v", slower.OrigUnit, slower.Old.N, slower.Threshold)
	}
	if want := (154.5e-9 - 104.5e-9) / 104.5e-9; math.Abs(slower.Delta-want) > 1e-12 {
		t.Errorf("Slower delta = %v, want %v", slower.Delta, want)
	}
	if !(slower.PAdjusted >= slower.P) || !slower.Significant {
		t.Errorf("Slower: p %v adjusted %v significant %v", slower.P, slower.PAdjusted, slower.Significant)
	}
	gone := find(t, res.Comparisons, "Gone", "sec/op")
	if gone.New != nil || !math.IsNaN(gone.Delta) || !math.IsNaN(gone.P) {
		t.Errorf("Gone: new %v delta %v p %v", gone.New, gone.Delta, gone.P)
	}
	if len(res.Warnings) != 0 || len(res.CPUMismatches) != 0 {
		t.Errorf("warnings %q, mismatches %v", res.Warnings, res.CPUMismatches)
	}
}

// The correction spans every suite of the run: a p-value that is
// significant alone is not among many null comparisons.
func TestRunCorrectsAcrossSuites(t *testing.T) {
	t.Parallel()
	// Old 0..9 against new 4..13: the U test gives p ≈ 0.017.
	pair := func(suite string, shift float64) compare.Pair {
		return compare.Pair{
			Suite: suite,
			Old:   set(t, suite+"-old", lines("X", 10, 100, 1, "ns/op")),
			New:   set(t, suite+"-new", lines("X", 10, 100+shift, 1, "ns/op")),
		}
	}
	alone := run(t, compare.Options{}, pair("a", 4))
	if c := alone.Comparisons[0]; !c.Significant || c.P != c.PAdjusted {
		t.Fatalf("alone: p %v adjusted %v significant %v", c.P, c.PAdjusted, c.Significant)
	}
	pairs := []compare.Pair{pair("a", 4)}
	for i := range 9 {
		pairs = append(pairs, pair(fmt.Sprint("null", i), 0))
	}
	res := run(t, compare.Options{}, pairs...)
	c := res.Comparisons[0]
	if c.Suite != "a" || c.Significant || c.Status != gate.StatusUnchanged || c.PAdjusted <= c.P {
		t.Errorf("among nulls: suite %s p %v adjusted %v significant %v status %s", c.Suite, c.P, c.PAdjusted, c.Significant, c.Status)
	}
}

func TestRunExactUnits(t *testing.T) {
	t.Parallel()
	old := set(t, "old.txt", "Unit errors/op assume=exact\nUnit size-B assume=exact\n"+
		lines("Errors", 3, 2, 0, "errors/op")+
		lines("Zero", 3, 0, 0, "errors/op")+
		lines("Size", 1, 1000, 0, "size-B")+
		lines("Same", 2, 7, 0, "errors/op")+
		// Not constant although declared exact: benchmath warns.
		lines("Wobbly", 3, 1, 1, "errors/op"))
	nw := set(t, "new.txt",
		lines("Errors", 3, 3, 0, "errors/op")+
			lines("Zero", 3, 1, 0, "errors/op")+
			lines("Size", 1, 1050, 0, "size-B")+
			lines("Same", 2, 7, 0, "errors/op")+
			lines("Wobbly", 3, 1, 1, "errors/op"))
	res := run(t, compare.Options{}, compare.Pair{Old: old, New: nw})
	for _, tt := range []struct {
		bench, unit string
		status      gate.Status
		delta       float64
	}{
		{"Errors", "errors/op", gate.StatusRegression, 0.5},
		{"Zero", "errors/op", gate.StatusRegression, math.Inf(1)},
		{"Size", "size-B", gate.StatusChanged, 0.05},
		{"Same", "errors/op", gate.StatusUnchanged, 0},
		{"Wobbly", "errors/op", gate.StatusUnchanged, 0},
	} {
		c := find(t, res.Comparisons, tt.bench, tt.unit)
		if !c.Exact || c.Status != tt.status || c.Delta != tt.delta || c.P != 0 || c.PAdjusted != 0 {
			t.Errorf("%s: exact %v status %s delta %v p %v/%v, want exact %s delta %v p 0", tt.bench, c.Exact, c.Status, c.Delta, c.P, c.PAdjusted, tt.status, tt.delta)
		}
		// One or three samples are enough for exact units.
		for _, w := range c.Warnings {
			if strings.Contains(w, "fewer than") {
				t.Errorf("%s: exact unit warned %q", tt.bench, w)
			}
		}
	}
	w := find(t, res.Comparisons, "Wobbly", "errors/op")
	if !slices.Contains(w.Warnings, "exact distribution expected, but values range from 1 to 3") {
		t.Errorf("Wobbly warnings = %q", w.Warnings)
	}
}

func TestRunWarnings(t *testing.T) {
	t.Parallel()
	old := set(t, "old.txt", "goos: linux\ncpu: Fast CPU   \n"+lines("Few", 3, 100, 1, "ns/op")+"BenchmarkBroken 12\n")
	nw := set(t, "new.txt", "goos: linux\ncpu: Slow CPU\n"+lines("Few", 3, 200, 1, "ns/op"))
	res := run(t, compare.Options{}, compare.Pair{Suite: "search", Old: old, New: nw})

	c := find(t, res.Comparisons, "Few", "sec/op")
	for _, want := range []string{
		"3 samples: fewer than 6, significance is weak",
		"need >= 6 samples for confidence interval at level 0.95",
		"need >= 4 samples to detect a difference at alpha level 0.05",
	} {
		if !slices.Contains(c.Warnings, want) {
			t.Errorf("comparison warnings %q lack %q", c.Warnings, want)
		}
	}
	if !slices.Contains(c.Old.Warnings, "3 samples: fewer than 6, significance is weak") {
		t.Errorf("old side warnings %q", c.Old.Warnings)
	}
	if !math.IsInf(c.Old.Lo, -1) || !math.IsInf(c.Old.Hi, 1) {
		t.Errorf("3 samples: CI [%v, %v], want infinite", c.Old.Lo, c.Old.Hi)
	}
	if c.Status != gate.StatusUnchanged {
		t.Errorf("status %s: 3 samples can never be significant", c.Status)
	}

	want := []compare.CPUMismatch{{Suite: "search", Old: "Fast CPU", New: "Slow CPU"}}
	if !slices.Equal(res.CPUMismatches, want) {
		t.Errorf("CPUMismatches = %v, want %v", res.CPUMismatches, want)
	}
	joined := strings.Join(res.Warnings, "\n")
	for _, want := range []string{
		"old.txt:6: missing measurements",
		`suite search: baseline measured on cpu "Fast CPU", new results on cpu "Slow CPU"`,
		"1 comparison has fewer than 6 samples on a side",
	} {
		if !strings.Contains(joined, want) {
			t.Errorf("warnings lack %q:\n%s", want, joined)
		}
	}
}

func TestRunGroupsLikeBenchstat(t *testing.T) {
	t.Parallel()
	// Two packages are two tables; ignored keys (cpu) are not.
	old := set(t, "old.txt", "pkg: a\ncpu: X\n"+lines("Run", 6, 10, 1, "ns/op")+"pkg: b\n"+lines("Run", 6, 10, 1, "ns/op"))
	nw := set(t, "new.txt", "pkg: a\ncpu: Y\n"+lines("Run", 6, 10, 1, "ns/op")+"pkg: b\n"+lines("Run", 6, 10, 1, "ns/op"))
	res := run(t, compare.Options{}, compare.Pair{Old: old, New: nw})
	var got []string
	for _, c := range res.Comparisons {
		got = append(got, c.Config+" "+c.Benchmark+" "+string(c.Status))
	}
	want := []string{"pkg=a Run unchanged", "pkg=b Run unchanged"}
	if !slices.Equal(got, want) {
		t.Errorf("comparisons %q, want %q", got, want)
	}

	// Without ignoring cpu, the sides fall into separate tables, as in
	// benchstat: everything is new or missing.
	res = run(t, compare.Options{Ignore: []string{}}, compare.Pair{Old: old, New: nw})
	n := map[gate.Status]int{}
	for _, c := range res.Comparisons {
		n[c.Status]++
	}
	if n[gate.StatusNew] != 2 || n[gate.StatusMissing] != 2 {
		t.Errorf("statuses without ignore = %v", n)
	}
}

func TestRunThresholds(t *testing.T) {
	t.Parallel()
	old := set(t, "old.txt", lines("Search/q=a", 10, 100, 1, "ns/op")+lines("Index", 10, 100, 1, "ns/op"))
	nw := set(t, "new.txt", lines("Search/q=a", 10, 120, 1, "ns/op")+lines("Index", 10, 120, 1, "ns/op"))
	cfg := gate.Config{Thresholds: []gate.ThresholdRule{
		{Benchmark: regexp.MustCompile(`^Search`), Metric: "ns/op", Threshold: 0.25},
	}}.WithDefaults()
	res := run(t, compare.Options{Config: &cfg}, compare.Pair{Old: old, New: nw})
	if c := find(t, res.Comparisons, "Search/q=a", "sec/op"); c.Threshold != 0.25 || c.Status != gate.StatusChanged {
		t.Errorf("Search: threshold %v status %s", c.Threshold, c.Status)
	}
	if c := find(t, res.Comparisons, "Index", "sec/op"); c.Threshold != 0.10 || c.Status != gate.StatusRegression {
		t.Errorf("Index: threshold %v status %s", c.Threshold, c.Status)
	}
}

func TestRunOptionErrors(t *testing.T) {
	t.Parallel()
	for _, opts := range []compare.Options{{Alpha: 2}, {Confidence: 1.5}, {Ignore: []string{"("}}} {
		if _, err := compare.Run([]compare.Pair{{Old: compare.NewSet(), New: compare.NewSet()}}, opts); err == nil {
			t.Errorf("Run with %+v: no error", opts)
		}
	}
}

func TestReportFiles(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pair    string
		verdict gate.Verdict
	}{
		{"regression", gate.Fail},
		{"noise", gate.Pass},
		{"units", gate.Fail},
	}
	for _, tt := range tests {
		t.Run(tt.pair, func(t *testing.T) {
			t.Parallel()
			r, err := compare.ReportFiles(filepath.Join(benchDir, tt.pair+"-old.txt"), filepath.Join(benchDir, tt.pair+"-new.txt"), compare.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if r.Verdict != tt.verdict {
				t.Errorf("verdict %s (%q), want %s", r.Verdict, r.Reasons, tt.verdict)
			}
			if r.Environment.GOOS != "linux" || r.Environment.CPU == "" || r.Alpha != gate.DefaultAlpha {
				t.Errorf("environment %+v alpha %v", r.Environment, r.Alpha)
			}
		})
	}

	if _, err := compare.ReportFiles(filepath.Join(benchDir, "absent.txt"), filepath.Join(benchDir, "noise-new.txt"), compare.Options{}); err == nil {
		t.Error("ReportFiles with a missing file: no error")
	}
	empty := filepath.Join(t.TempDir(), "empty.txt")
	if _, err := compare.Files(); err != nil {
		t.Error(err)
	}
	if err := os.WriteFile(empty, []byte("no benchmarks here\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := compare.ReportFiles(empty, empty, compare.Options{}); err == nil {
		t.Error("ReportFiles without results: no error")
	}
}

// The fixtures' known changes, as perfgate must classify them.
func TestFixtureFindings(t *testing.T) {
	t.Parallel()
	r, err := compare.ReportFiles(filepath.Join(benchDir, "units-old.txt"), filepath.Join(benchDir, "units-new.txt"), compare.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		bench, unit string
		status      gate.Status
		better      gate.Direction
		exact       bool
	}{
		{"Search/q=long", "p95-sec/op", gate.StatusRegression, gate.LowerIsBetter, false},
		{"Search/q=long", "req/s", gate.StatusRegression, gate.HigherIsBetter, false},
		{"Search/q=long", "errors/op", gate.StatusRegression, gate.LowerIsBetter, true},
		{"Search/q=short", "errors/op", gate.StatusUnchanged, gate.LowerIsBetter, true},
	} {
		c := find(t, r.Comparisons, tt.bench, tt.unit)
		if c.Status != tt.status || c.Better != tt.better || c.Exact != tt.exact {
			t.Errorf("%s %s: status %s better %d exact %v, want %s %d %v", tt.bench, tt.unit, c.Status, c.Better, c.Exact, tt.status, tt.better, tt.exact)
		}
	}
	if c := find(t, r.Comparisons, "Search/q=long", "p95-sec/op"); c.OrigUnit != "p95-ns/op" {
		t.Errorf("orig unit %q", c.OrigUnit)
	}

	// The regression pair: exactly the benchmarks doing 30% more work.
	r, err = compare.ReportFiles(filepath.Join(benchDir, "regression-old.txt"), filepath.Join(benchDir, "regression-new.txt"), compare.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range r.Regressions() {
		got = append(got, c.Benchmark+" "+c.Unit)
	}
	want := []string{"Sort/n=100 sec/op", "Sort/n=10000 sec/op", "Hash sec/op", "Hash B/s"}
	if !slices.Equal(got, want) {
		t.Errorf("regressions %q, want %q", got, want)
	}

	// The noise pair: nothing significant after the correction.
	r, err = compare.ReportFiles(filepath.Join(benchDir, "noise-old.txt"), filepath.Join(benchDir, "noise-new.txt"), compare.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range r.Comparisons {
		if c.Significant {
			t.Errorf("noise: %s %s significant (p %v, adjusted %v)", c.Benchmark, c.Unit, c.P, c.PAdjusted)
		}
	}
}

func TestFromResults(t *testing.T) {
	t.Parallel()
	rd := benchfmt.NewReader(strings.NewReader("Unit req/s better=lower\n"+lines("Serve", 10, 100, 1, "req/s")), "old.txt")
	var results []*benchfmt.Result
	for rd.Scan() {
		if r, ok := rd.Result().(*benchfmt.Result); ok {
			results = append(results, r.Clone())
		}
	}
	old := compare.FromResults(results, rd.Units())
	nw := set(t, "new.txt", lines("Serve", 10, 200, 1, "req/s"))
	res := run(t, compare.Options{}, compare.Pair{Old: old, New: nw})
	// better=lower from the baseline's metadata overrides the "/s" rule.
	if c := find(t, res.Comparisons, "Serve", "req/s"); c.Better != gate.LowerIsBetter || c.Status != gate.StatusRegression {
		t.Errorf("Serve: better %d status %s", c.Better, c.Status)
	}
}
