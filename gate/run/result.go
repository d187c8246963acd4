package run

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"golang.org/x/perf/benchfmt"

	"github.com/perfgate/perfgate/gate"
	"github.com/perfgate/perfgate/internal/atomicfile"
)

// Result is what running one suite produced (one side of it under
// --base-ref).
type Result struct {
	// Summary is the suite's line in the report; its Warnings hold every
	// parse warning ("file:line: msg") and note of the run.
	Summary gate.SuiteResult
	// Records are the benchmark results of every run, in the order they
	// were printed, with their configuration as printed: no key is added,
	// so results of different runs fall in the same benchstat rows and
	// remain samples of one benchmark.
	Records []Record
	// Units is the unit metadata the output declared (Unit lines), in
	// order of appearance, each unit and key once.
	Units []*benchfmt.UnitMetadata
	// TestFailures are the failing tests of a test suite. A package that
	// failed without a failing test (its build failed, or it panicked
	// outside a test) is a TestFailure with an empty Test.
	TestFailures []gate.TestFailure
}

// Record is one benchmark result line, tagged with the run that printed it.
type Record struct {
	*benchfmt.Result
	// Run is the 1-based run (process) that printed the result, so that
	// the spread between processes can be told from the spread within
	// one.
	Run int
}

// Results returns the benchmark results without their run tags, as
// benchproc and benchmath take them.
func (r *Result) Results() []*benchfmt.Result {
	out := make([]*benchfmt.Result, len(r.Records))
	for i, rec := range r.Records {
		out[i] = rec.Result
	}
	return out
}

// UnitMap returns the unit metadata as benchfmt.Reader.Units does, for
// benchfmt.UnitMetadataMap.GetBetter and GetAssumption.
func (r *Result) UnitMap() benchfmt.UnitMetadataMap {
	m := make(benchfmt.UnitMetadataMap, len(r.Units))
	for _, u := range r.Units {
		m[u.UnitMetadataKey] = u
	}
	return m
}

// BenchRecords returns the unit metadata followed by the results, as
// benchfmt.Writer writes them and baseline.Write takes them.
func (r *Result) BenchRecords() []benchfmt.Record {
	out := make([]benchfmt.Record, 0, len(r.Units)+len(r.Records))
	for _, u := range r.Units {
		out = append(out, u)
	}
	for _, rec := range r.Records {
		out = append(out, rec.Result)
	}
	return out
}

// Environment returns where the results were measured, as far as they
// tell: goos, goarch and cpu from the configuration lines `go test`
// prints, falling back to this process's GOOS and GOARCH. The caller adds
// the Go version, commits and provider.
func (r *Result) Environment() gate.Environment {
	env := gate.Environment{
		GOOS:   r.config("goos"),
		GOARCH: r.config("goarch"),
		CPU:    strings.TrimSpace(r.config("cpu")),
	}
	if env.GOOS == "" {
		env.GOOS = runtime.GOOS
	}
	if env.GOARCH == "" {
		env.GOARCH = runtime.GOARCH
	}
	return env
}

func (r *Result) config(key string) string {
	for _, rec := range r.Records {
		if v := rec.GetConfig(key); v != "" {
			return v
		}
	}
	return ""
}

// addUnits merges unit metadata, keeping the first declaration of each
// unit and key and warning about conflicting ones.
func (r *Result) addUnits(units []*benchfmt.UnitMetadata) {
	for _, u := range units {
		dup := false
		for _, have := range r.Units {
			if have.UnitMetadataKey != u.UnitMetadataKey {
				continue
			}
			dup = true
			if have.Value != u.Value {
				file, line := u.Pos()
				r.Summary.Warnings = append(r.Summary.Warnings, fmt.Sprintf("%s:%d: metadata %s of unit %s is %s here but %s in an earlier run; keeping %s",
					file, line, u.Key, u.OrigUnit, u.Value, have.Value, have.Value))
			}
			break
		}
		if !dup {
			r.Units = append(r.Units, u)
		}
	}
}

// Names of the files of a suite in the output directory.
const (
	resultsFile     = "results.txt"
	baseResultsFile = "base-results.txt"
	runMarker       = "# perfgate run "
)

// ResultsPath is the file holding every benchmark result of a suite's
// last run (the head side under --base-ref), in Go benchmark format.
func ResultsPath(outDir, suite string) string { return filepath.Join(outDir, suite, resultsFile) }

// BaseResultsPath is the file holding the merge-base's results of a suite
// under --base-ref.
func BaseResultsPath(outDir, suite string) string {
	return filepath.Join(outDir, suite, baseResultsFile)
}

// writeResults writes r's units and records to path in Go benchmark
// format, atomically. A comment line before each run's records keeps the
// run tags; benchfmt and benchstat ignore it.
func writeResults(path string, r *Result) error {
	var buf bytes.Buffer
	w := benchfmt.NewWriter(&buf)
	for _, u := range r.Units {
		if err := w.Write(u); err != nil {
			return err
		}
	}
	if len(r.Units) > 0 {
		buf.WriteByte('\n')
	}
	run := -1
	for _, rec := range r.Records {
		if rec.Run != run {
			run = rec.Run
			fmt.Fprintf(&buf, "%s%d\n", runMarker, run)
		}
		if err := w.Write(rec.Result); err != nil {
			return err
		}
	}
	return atomicfile.WriteFile(path, buf.Bytes(), 0o644)
}

// ReadResults reads back the results of a suite from a previous run's
// output directory (its results.txt), so that `perfgate baseline update
// --from DIR` needs no rerun. It returns an error wrapping ErrNoResults
// when the directory holds none for the suite.
func ReadResults(outDir, suite string) (*Result, error) {
	return readResults(ResultsPath(outDir, suite), suite)
}

// ReadBaseResults reads back the merge-base's results of a suite from a
// previous --base-ref run.
func ReadBaseResults(outDir, suite string) (*Result, error) {
	return readResults(BaseResultsPath(outDir, suite), suite)
}

func readResults(path, suite string) (*Result, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w for suite %s: %s does not exist; run perfgate run or dry-run first", ErrNoResults, suite, path)
	}
	if err != nil {
		return nil, fmt.Errorf("read results of suite %s: %w", suite, err)
	}
	// Run markers by line, to tag the records that follow them.
	var markers []int // markers[i] = line of a marker, runs[i] its run
	var runs []int
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for line := 1; sc.Scan(); line++ {
		if rest, ok := strings.CutPrefix(sc.Text(), runMarker); ok {
			if n, err := strconv.Atoi(strings.TrimSpace(rest)); err == nil {
				markers = append(markers, line)
				runs = append(runs, n)
			}
		}
	}
	res := &Result{Summary: gate.SuiteResult{Name: suite}}
	p := new(parsed)
	p.readBench(benchfmt.NewReader(bytes.NewReader(data), path), nil)
	m := 0
	for _, br := range p.results {
		_, line := br.Pos()
		for m < len(markers) && markers[m] < line {
			m++
		}
		run := 0
		if m > 0 {
			run = runs[m-1]
		}
		res.Records = append(res.Records, Record{Result: br, Run: run})
	}
	res.addUnits(p.units)
	res.Summary.Warnings = append(res.Summary.Warnings, p.warnings...)
	res.Summary.Results = len(res.Records)
	for _, rec := range res.Records {
		res.Summary.Runs = max(res.Summary.Runs, rec.Run)
	}
	return res, nil
}
