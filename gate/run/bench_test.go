package run

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/perfgate/perfgate/gate"
)

// benchOutput returns Go benchmark output of n benchmarks with count
// samples each, ordered as `go test -count` prints them.
func benchOutput(n, count int) []byte {
	var b bytes.Buffer
	b.WriteString("goos: linux\ngoarch: amd64\npkg: example.com/bench\ncpu: Test CPU\n")
	for c := 0; c < count; c++ {
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, "BenchmarkOp%d/size=%d-2   \t%8d\t%12.1f ns/op\t%8d B/op\t%5d allocs/op\t%10.1f p95-ns/op\n",
				i, i%7, 1000+i, 1234.5+float64(i*c%97), 64*(i%5), i%9, 2345.6+float64(i))
		}
	}
	return b.Bytes()
}

// testJSON wraps output in `go test -json` output events.
func testJSON(output []byte) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	for _, line := range bytes.SplitAfter(output, []byte("\n")) {
		if len(line) > 0 {
			enc.Encode(testEvent{Action: "output", Package: "example.com/bench", Output: string(line)})
		}
	}
	return b.Bytes()
}

// BenchmarkParseBench parses 100 benchmarks x 10 samples of bench suite
// output, a suite's worth. Like every benchmark of the gate suite its data
// stays in the CPU's caches: with 10x the input its samples spread +-20%
// on a shared machine with the neighbours' memory traffic, +-3% with this. It is the benchmark the gate-quality experiment slows down
// (docs/gate-quality.md).
func BenchmarkParseBench(b *testing.B) {
	data := benchOutput(100, 10)
	// The experiment's slower parser does more of the same work: one
	// iteration in 1/(slowdown-1) parses the input twice, so the time per
	// iteration grows by that fraction whatever the machine does. (A busy
	// wait measured +11% for 15%: the GC ran on the other core meanwhile.
	// Re-parsing a 15% prefix measured +7%: the prefix stayed in cache.)
	extra := experimentSlowdown(b) - 1
	var owed float64
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		p := parseBench(bytes.NewReader(data), "run-1.txt")
		if len(p.results) != 1000 {
			b.Fatalf("%d results", len(p.results))
		}
		if owed += extra; owed >= 1 {
			owed--
			parseBench(bytes.NewReader(data), "run-1.txt")
		}
	}
}

// experimentSlowdown is the factor by which the gate-quality experiment
// slows BenchmarkParseBench down: $PERFGATE_EXPERIMENT_SLOWDOWN (e.g.
// 1.15), applied to every run but the merge-base side of a --base-ref run
// ($PERFGATE_SIDE=base), which stands for the unchanged code. 1 when unset.
func experimentSlowdown(b *testing.B) float64 {
	v := os.Getenv("PERFGATE_EXPERIMENT_SLOWDOWN")
	if v == "" || os.Getenv("PERFGATE_SIDE") == "base" {
		return 1
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < 1 {
		b.Fatalf("PERFGATE_EXPERIMENT_SLOWDOWN=%q: want a factor >= 1, e.g. 1.15", v)
	}
	return f
}

// BenchmarkParseTestJSON parses the same results from `go test -json`.
func BenchmarkParseTestJSON(b *testing.B) {
	data := testJSON(benchOutput(100, 10))
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		p, err := parseTestJSON(bytes.NewReader(data), "run-1.txt", DefaultTailLines)
		if err != nil || len(p.results) != 1000 {
			b.Fatalf("%d results, %v", len(p.results), err)
		}
	}
}

// BenchmarkRunSuite is perfgate's whole overhead on a suite printing
// 100 x 10 results: starting the shell, keeping and parsing the output,
// writing results.txt.
func BenchmarkRunSuite(b *testing.B) {
	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "out.txt"), benchOutput(100, 10), 0o644); err != nil {
		b.Fatal(err)
	}
	r := &Runner{Dir: dir}
	s := gate.Suite{Name: "bench", Run: "cat out.txt"}.WithDefaults()
	b.ReportAllocs()
	for b.Loop() {
		res, err := r.Run(b.Context(), []gate.Suite{s})
		if err != nil || len(res[0].Records) != 1000 {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadResults reads back a results.txt of 100 x 10 results, as
// `perfgate baseline update --from` does.
func BenchmarkReadResults(b *testing.B) {
	dir := b.TempDir()
	res := &Result{}
	p := parseBench(bytes.NewReader(benchOutput(100, 10)), "run-1.txt")
	for i, r := range p.results {
		res.Records = append(res.Records, Record{Result: r, Run: i/100 + 1})
	}
	if err := os.MkdirAll(filepath.Join(dir, "bench"), 0o755); err != nil {
		b.Fatal(err)
	}
	if err := writeResults(ResultsPath(dir, "bench"), res); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		back, err := ReadResults(dir, "bench")
		if err != nil || len(back.Records) != 1000 || back.Records[999].Run != 10 {
			b.Fatal(err)
		}
	}
}
