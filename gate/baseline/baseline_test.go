package baseline_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/perf/benchfmt"

	"github.com/perfgate/perfgate/gate"
	"github.com/perfgate/perfgate/gate/baseline"
)

// output is what a suite printed over two packages, with unit metadata,
// custom units and sub-benchmarks.
const output = `goos: linux
goarch: amd64
pkg: example.com/search
cpu: Test CPU @ 2.0GHz
Unit req/s better=higher
Unit errors/op assume=exact
BenchmarkSearch/size=1k-2   	     100	   4812332 ns/op	      1830 req/s	   0 errors/op	  5230112 p95-ns/op
BenchmarkSearch/size=1k-2   	     100	   4790113.5 ns/op	      1841 req/s	   0 errors/op	  5101000 p95-ns/op
pkg: example.com/index
BenchmarkIndex-2   	      10	 104812332 ns/op	  1024 B/op	  12 allocs/op
BenchmarkIndex-2   	      10	 103333333 ns/op	  1024 B/op	  12 allocs/op
`

var env = gate.Environment{
	GOOS: "linux", GOARCH: "amd64", CPU: "Other CPU",
	GoVersion: "go1.26.0", HeadCommit: "0c5f1e2", Provider: "local",
}

// parse reads Go benchmark format into records, as a run hands them over.
func parse(t testing.TB, text string) []benchfmt.Record {
	t.Helper()
	var recs []benchfmt.Record
	rd := benchfmt.NewReader(strings.NewReader(text), "output.txt")
	for rd.Scan() {
		switch rec := rd.Result().(type) {
		case *benchfmt.Result:
			recs = append(recs, rec.Clone())
		case *benchfmt.SyntaxError:
			t.Fatalf("fixture: %v", rec)
		default:
			recs = append(recs, rec)
		}
	}
	return recs
}

func TestWriteFormat(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "baselines")
	if err := baseline.Write(dir, "search", parse(t, output), env); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dir, "search.txt"))
	if err != nil {
		t.Fatal(err)
	}
	// The results carry goos, goarch and cpu themselves: those as
	// measured are kept, env's only fill what is missing.
	want := "# perfgate baseline of suite search, written by `perfgate baseline update`.\n" +
		"\n" +
		"Unit req/s better=higher\n" +
		"Unit errors/op assume=exact\n" +
		"\n" +
		"go: go1.26.0\n" +
		"commit: 0c5f1e2\n" +
		"provider: local\n" +
		"goos: linux\n" +
		"goarch: amd64\n" +
		"pkg: example.com/search\n" +
		"cpu: Test CPU @ 2.0GHz\n" +
		"\n" +
		"BenchmarkSearch/size=1k-2 100 4.812332e+06 ns/op 1830 req/s 0 errors/op 5.230112e+06 p95-ns/op\n" +
		"BenchmarkSearch/size=1k-2 100 4.7901135e+06 ns/op 1841 req/s 0 errors/op 5.101e+06 p95-ns/op\n" +
		"\n" +
		"pkg: example.com/index\n" +
		"\n" +
		"BenchmarkIndex-2 10 1.04812332e+08 ns/op 1024 B/op 12 allocs/op\n" +
		"BenchmarkIndex-2 10 1.03333333e+08 ns/op 1024 B/op 12 allocs/op\n"
	if string(got) != want {
		t.Errorf("baseline file =\n%s\nwant\n%s", got, want)
	}
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	in := parse(t, output)
	if err := baseline.Write(dir, "search", in, env); err != nil {
		t.Fatal(err)
	}
	b, err := baseline.Read(dir, "search")
	if err != nil {
		t.Fatal(err)
	}
	wantEnv := env
	wantEnv.CPU = "Test CPU @ 2.0GHz" // as measured, not as passed
	if b.Env != wantEnv {
		t.Errorf("Env = %+v, want %+v", b.Env, wantEnv)
	}
	if b.Suite != "search" || b.Path != filepath.Join(dir, "search.txt") || len(b.Warnings) != 0 {
		t.Errorf("baseline = %+v", b)
	}
	var inResults []*benchfmt.Result
	var inUnits []string
	for _, r := range in {
		switch r := r.(type) {
		case *benchfmt.Result:
			inResults = append(inResults, r)
		case *benchfmt.UnitMetadata:
			inUnits = append(inUnits, r.OrigUnit+" "+r.Key+"="+r.Value)
		}
	}
	var gotUnits []string
	for _, u := range b.Units {
		gotUnits = append(gotUnits, u.OrigUnit+" "+u.Key+"="+u.Value)
	}
	if !reflect.DeepEqual(gotUnits, inUnits) {
		t.Errorf("units = %q, want %q", gotUnits, inUnits)
	}
	if b.UnitMap().GetBetter("req/s") != 1 {
		t.Error("req/s lost better=higher")
	}
	if len(b.Results) != len(inResults) {
		t.Fatalf("%d results, want %d", len(b.Results), len(inResults))
	}
	for i, got := range b.Results {
		want := inResults[i]
		if got.Name.String() != want.Name.String() || got.Iters != want.Iters || !reflect.DeepEqual(got.Values, want.Values) {
			t.Errorf("result %d = %s %d %v, want %s %d %v", i, got.Name, got.Iters, got.Values, want.Name, want.Iters, want.Values)
		}
		// The metadata keys are gone: the configuration is as measured,
		// so the baseline and new results share benchstat's tables.
		if !reflect.DeepEqual(configOf(got), configOf(want)) {
			t.Errorf("result %d config = %v, want %v", i, configOf(got), configOf(want))
		}
	}
}

func configOf(r *benchfmt.Result) map[string]string {
	m := make(map[string]string)
	for _, c := range r.Config {
		m[c.Key] = string(c.Value)
	}
	return m
}

func TestWriteFillsMissingEnvironment(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// A custom program printing no configuration lines.
	if err := baseline.Write(dir, "load", parse(t, "BenchmarkLoad 1 250 req/s\n"), env); err != nil {
		t.Fatal(err)
	}
	b, err := baseline.Read(dir, "load")
	if err != nil {
		t.Fatal(err)
	}
	if b.Env != env {
		t.Errorf("Env = %+v, want %+v", b.Env, env)
	}
	if got := configOf(b.Results[0]); !reflect.DeepEqual(got, map[string]string{"goos": "linux", "goarch": "amd64", "cpu": "Other CPU"}) {
		t.Errorf("config = %v", got)
	}
}

func TestReadMissing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	_, err := baseline.Read(dir, "search")
	if !errors.Is(err, baseline.ErrNoBaseline) {
		t.Fatalf("err = %v, want ErrNoBaseline", err)
	}
	want := "no baseline for suite search (" + filepath.Join(dir, "search.txt") + ")"
	if err.Error() != want {
		t.Errorf("err = %q, want %q", err, want)
	}
}

func TestReadWarnsAboutMalformedLines(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "s.txt"), []byte("BenchmarkA 1 5 ns/op\nBenchmarkB x 5 ns/op\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	b, err := baseline.Read(dir, "s")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(dir, "s.txt") + ":2: parsing iteration count: invalid syntax"}
	if len(b.Results) != 1 || !reflect.DeepEqual(b.Warnings, want) {
		t.Errorf("results %d, warnings %q, want 1 and %q", len(b.Results), b.Warnings, want)
	}
}

func TestWriteKeepsTheBaselineWithoutResults(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := baseline.Write(dir, "s", parse(t, output), env); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(baseline.Path(dir, "s"))
	err := baseline.Write(dir, "s", parse(t, "Unit x/op better=higher\n"), env)
	if !errors.Is(err, baseline.ErrNoResults) {
		t.Errorf("err = %v, want ErrNoResults", err)
	}
	after, _ := os.ReadFile(baseline.Path(dir, "s"))
	if string(before) != string(after) {
		t.Error("an empty run changed the baseline")
	}
}

func TestWriteReplacesAtomically(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, text := range []string{output, "BenchmarkOnly 1 1 ns/op\n"} {
		if err := baseline.Write(dir, "s", parse(t, text), env); err != nil {
			t.Fatal(err)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != "s.txt" {
		t.Errorf("directory holds %v, want s.txt alone (no temporary file)", entries)
	}
	b, err := baseline.Read(dir, "s")
	if err != nil || len(b.Results) != 1 {
		t.Errorf("after replacing: %v results, %v", b, err)
	}
	if err := baseline.Write(dir, "../escape", parse(t, output), env); err == nil {
		t.Error("a suite name with a path separator was accepted")
	}
}

// TestBenchstatReadsTheBaseline runs benchstat itself on a baseline and new
// results: the files parse, and with the metadata keys ignored the two
// land in one table.
func TestBenchstatReadsTheBaseline(t *testing.T) {
	if testing.Short() {
		t.Skip("builds benchstat")
	}
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go is not installed")
	}
	t.Parallel()
	dir := t.TempDir()
	if err := baseline.Write(dir, "search", parse(t, output), env); err != nil {
		t.Fatal(err)
	}
	newPath := filepath.Join(dir, "new.txt")
	if err := os.WriteFile(newPath, []byte(strings.ReplaceAll(output, "4812332 ns/op", "9812332 ns/op")), 0o644); err != nil {
		t.Fatal(err)
	}

	// benchfmt.Files is how benchstat reads its inputs.
	files := benchfmt.Files{Paths: []string{baseline.Path(dir, "search"), newPath}}
	n := 0
	for files.Scan() {
		switch rec := files.Result().(type) {
		case *benchfmt.SyntaxError:
			t.Errorf("benchfmt: %v", rec)
		case *benchfmt.Result:
			n++
		}
	}
	if err := files.Err(); err != nil || n != 8 {
		t.Fatalf("benchfmt read %d results, %v", n, err)
	}

	cmd := exec.Command("go", "run", "golang.org/x/perf/cmd/benchstat", "-ignore", strings.Join(baseline.MetadataKeys, ","),
		baseline.Path(dir, "search"), newPath)
	cmd.Dir = "../.." // the module root, whose go.mod pins x/perf
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("benchstat: %v\n%s", err, out)
	}
	text := string(out)
	tables := 0
	for _, line := range strings.Split(text, "\n") {
		if strings.Contains(line, "search.txt") {
			tables++
			if !strings.Contains(line, "new.txt") {
				t.Errorf("a table holds the baseline alone: %q", line)
			}
		}
	}
	// Two packages: sec/op, req/s, errors/op, p95-sec/op and sec/op,
	// B/op, allocs/op.
	if tables != 7 || strings.Contains(text, "commit:") {
		t.Errorf("benchstat did not compare the baseline with the new results:\n%s", text)
	}
}
