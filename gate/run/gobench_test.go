package run_test

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/perfgate/perfgate/gate"
	"github.com/perfgate/perfgate/gate/run"
)

// goModule writes a Go module in a git repository: package work has two
// benchmarks (one with two sub-benchmarks) reporting a "version" metric,
// package notests has none. Every test binary appends its side and the
// -test.bench it was given to log, once per process. The main branch
// reports version 1; the checked-out feature branch reports version 2.
func goModule(t *testing.T, log string) (repo string) {
	t.Helper()
	repo = t.TempDir()
	git(t, repo, "init", "-q", "-b", "main")
	write := func(path, text string) {
		t.Helper()
		p := filepath.Join(repo, filepath.FromSlash(path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	bench := func(version string) string {
		return `package work

import (
	"flag"
	"os"
	"testing"
)

const version = ` + version + `

func TestMain(m *testing.M) {
	flag.Parse()
	f, err := os.OpenFile(` + "`" + log + "`" + `, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		panic(err)
	}
	f.WriteString(os.Getenv("PERFGATE_SIDE") + " " + flag.Lookup("test.bench").Value.String() + " " + os.Args[0] + "\n")
	f.Close()
	os.Exit(m.Run())
}

func TestNothing(t *testing.T) {}

func BenchmarkA(b *testing.B) {
	for b.Loop() {
	}
	b.ReportMetric(version, "version")
}

func BenchmarkB(b *testing.B) {
	for _, name := range []string{"x", "y"} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
			}
			b.ReportMetric(version, "version")
		})
	}
}
`
	}
	write("go.mod", "module example.com/m\n\ngo 1.24\n")
	write("work/work_test.go", bench("1"))
	write("notests/notests.go", "package notests\n")
	git(t, repo, "add", ".")
	git(t, repo, "commit", "-q", "-m", "base")
	git(t, repo, "checkout", "-q", "-b", "feature")
	write("work/work_test.go", bench("2"))
	git(t, repo, "commit", "-q", "-am", "version 2")
	return repo
}

func goSuite(count int) gate.Suite {
	return gate.Suite{
		Name: "gobench", Count: count,
		Env: map[string]string{"PKGS": "./..."},
		Go:  &gate.GoBench{Packages: []string{"${PKGS}"}, Benchtime: "3x", Benchmem: true},
	}.WithDefaults()
}

// values returns each benchmark's values of unit, in the order of the
// records.
func values(res *run.Result, unit string) map[string][]float64 {
	m := make(map[string][]float64)
	for _, rec := range res.Records {
		for _, v := range rec.Values {
			if v.Unit == unit {
				m[benchName(rec)] = append(m[benchName(rec)], v.Value)
			}
		}
	}
	return m
}

var procs = regexp.MustCompile(`-\d+$`)

// benchName is a record's name without its -GOMAXPROCS suffix.
func benchName(rec run.Record) string { return procs.ReplaceAllString(string(rec.Name), "") }

// benchProcesses are the lines of the log of goModule's binaries that ran
// benchmarks (not the listing of them).
func benchProcesses(t *testing.T, log string) []string {
	t.Helper()
	var lines []string
	for _, p := range processLog(t, log) {
		lines = append(lines, p.side+" "+p.bench)
	}
	return lines
}

// process is a benchmark process as its TestMain logged it.
type process struct{ side, bench, executable string }

func processLog(t *testing.T, log string) []process {
	t.Helper()
	data, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	var ps []process
	for _, l := range strings.Split(strings.TrimRight(string(data), "\n"), "\n") {
		if !strings.Contains(l, "^Benchmark") {
			continue // -test.list
		}
		f := strings.SplitN(l, " ", 3)
		if len(f) != 3 {
			t.Fatalf("process log line %q", l)
		}
		ps = append(ps, process{f[0], f[1], f[2]})
	}
	return ps
}

func TestRunGoBench(t *testing.T) {
	t.Parallel()
	log := filepath.Join(t.TempDir(), "runs.log")
	repo := goModule(t, log)
	r, progress := newRunner(t)
	r.Dir = repo
	results, err := r.Run(t.Context(), []gate.Suite{goSuite(3)})
	if err != nil {
		t.Fatal(err)
	}
	res := results[0]
	got := values(res, "version")
	want := map[string][]float64{"A": {2, 2, 2}, "B/x": {2, 2, 2}, "B/y": {2, 2, 2}}
	if len(got) != len(want) {
		t.Fatalf("version values = %v, want %v", got, want)
	}
	for k, v := range want {
		if !slices.Equal(got[k], v) {
			t.Errorf("%s: version values = %v, want %v", k, got[k], v)
		}
	}
	if allocs := values(res, "allocs/op"); len(allocs["A"]) != 3 {
		t.Errorf("-benchmem not passed: allocs/op = %v", allocs)
	}
	for i, rec := range res.Records {
		if want := i/3 + 1; rec.Run != want {
			t.Errorf("record %d (%s) round = %d, want %d", i, rec.Name, rec.Run, want)
		}
	}
	// One process per benchmark and round, each told to run exactly one.
	runs := strings.Join(benchProcesses(t, log), "\n")
	if want := strings.TrimSuffix(strings.Repeat(" ^BenchmarkA$\n ^BenchmarkB$\n", 3), "\n"); runs != want {
		t.Errorf("processes (side, -test.bench) =\n%s\nwant\n%s", runs, want)
	}
	// Each process ran a copy of its own of the test binary (where the
	// code lands in memory is drawn anew per sample), removed afterwards.
	seen := map[string]bool{}
	for _, p := range processLog(t, log) {
		if seen[p.executable] {
			t.Errorf("two processes ran %s: want a fresh copy of the binary each", p.executable)
		}
		seen[p.executable] = true
		if _, err := os.Stat(p.executable); !os.IsNotExist(err) {
			t.Errorf("%s is still there after the run (%v)", p.executable, err)
		}
	}
	for _, f := range []string{"run-build.txt", "run-1.txt", "run-3.txt", "run-3.stderr.txt", "results.txt"} {
		if _, err := os.Stat(filepath.Join(r.Dir, run.DefaultOutDir, "gobench", f)); err != nil {
			t.Errorf("missing output: %v", err)
		}
	}
	wantProgress := regexp.MustCompile(`^\[1/1\] gobench build … \d+\.\ds, 2 benchmarks in 1 packages\n(\[1/1\] gobench round \d/3 … \d+\.\ds\n){3}$`)
	if !wantProgress.MatchString(progress.String()) {
		t.Errorf("progress =\n%s", progress)
	}
}

// A bench pattern with a sub-benchmark part selects top-level benchmarks
// by its first part and passes the rest on.
func TestRunGoBenchSubPattern(t *testing.T) {
	t.Parallel()
	repo := goModule(t, filepath.Join(t.TempDir(), "runs.log"))
	r, _ := newRunner(t)
	r.Dir = repo
	s := goSuite(1)
	s.Go.Bench = "B/y"
	results, err := r.Run(t.Context(), []gate.Suite{s})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, rec := range results[0].Records {
		names = append(names, benchName(rec))
	}
	if !slices.Equal(names, []string{"B/y"}) {
		t.Errorf("benchmarks run = %v, want [B/y]", names)
	}
}

func TestRunBaseRefGoBench(t *testing.T) {
	t.Parallel()
	log := filepath.Join(t.TempDir(), "runs.log")
	repo := goModule(t, log)
	r, _ := newRunner(t)
	r.Dir = repo
	r.OutDir = t.TempDir()
	br, err := r.RunBaseRef(t.Context(), "main", []gate.Suite{goSuite(4)})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		side    string
		res     *run.Result
		version float64
	}{{"base", br.Base[0], 1}, {"head", br.Head[0], 2}} {
		for name, vs := range values(c.res, "version") {
			if len(vs) != 4 || slices.ContainsFunc(vs, func(v float64) bool { return v != c.version }) {
				t.Errorf("%s %s: version values = %v, want %v four times", c.side, name, vs, c.version)
			}
		}
	}

	// Each benchmark's two sides run back to back, the side going first
	// alternating from one benchmark to the next and one round to the
	// next.
	lines := benchProcesses(t, log)
	if len(lines) != 4*2*2 {
		t.Fatalf("%d processes, want 16:\n%s", len(lines), strings.Join(lines, "\n"))
	}
	var firsts []string
	for i := 0; i < len(lines); i += 2 {
		a, b := strings.Fields(lines[i]), strings.Fields(lines[i+1])
		if a[1] != b[1] || a[0] == b[0] {
			t.Errorf("processes %d and %d = %q, %q: want one benchmark on both sides", i, i+1, lines[i], lines[i+1])
		}
		firsts = append(firsts, a[0])
	}
	if want := []string{"base", "head", "head", "base", "base", "head", "head", "base"}; !slices.Equal(firsts, want) {
		t.Errorf("side going first, pair by pair = %v, want %v", firsts, want)
	}
	for _, f := range []string{"base-run-build.txt", "head-run-build.txt", "base-run-4.txt", "head-run-1.txt", "base-results.txt"} {
		if _, err := os.Stat(filepath.Join(r.OutDir, "gobench", f)); err != nil {
			t.Errorf("missing output: %v", err)
		}
	}
}

// A head that does not build is an infrastructure error naming the build
// log; a base that does not build leaves the head to run alone.
func TestRunBaseRefGoBenchBuildFailure(t *testing.T) {
	t.Parallel()
	repo := goModule(t, filepath.Join(t.TempDir(), "runs.log"))
	broken := filepath.Join(repo, "work", "broken_test.go")
	if err := os.WriteFile(broken, []byte("package work\n\nfunc f() { undefined() }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r, _ := newRunner(t)
	r.Dir = repo
	r.OutDir = t.TempDir()
	_, err := r.RunBaseRef(t.Context(), "main", []gate.Suite{goSuite(2)})
	var se *run.SuiteError
	if !errors.As(err, &se) || se.Side != "head" || !strings.Contains(se.Reason, "build failed for example.com/m/work") ||
		!strings.HasSuffix(se.Output, "head-run-build.txt") || !strings.Contains(strings.Join(se.Tail, "\n"), "undefined") {
		t.Fatalf("err = %v, want the head's build failure with its log", err)
	}
	// A build is no run: the message names none.
	if strings.Contains(err.Error(), " run ") {
		t.Errorf("err = %v: names a run", err)
	}

	// Now the broken file is on the merge-base and the head fixes it.
	git(t, repo, "checkout", "-q", "main")
	git(t, repo, "add", ".")
	git(t, repo, "commit", "-q", "-m", "broken")
	git(t, repo, "checkout", "-q", "-b", "fix")
	git(t, repo, "rm", "-q", "work/broken_test.go")
	git(t, repo, "commit", "-q", "-m", "fix")
	br, err := r.RunBaseRef(t.Context(), "main", []gate.Suite{goSuite(2)})
	if err != nil {
		t.Fatal(err)
	}
	if len(br.BaseFailures) != 1 || len(br.Base[0].Records) != 0 || len(br.Head[0].Records) != 6 {
		t.Errorf("base failures %v, %d base and %d head records; want the base's build failure and 6 head results",
			br.BaseFailures, len(br.Base[0].Records), len(br.Head[0].Records))
	}
	if w := br.Head[0].Summary.Warnings; len(w) == 0 || !strings.Contains(w[0], "failed on the merge-base") {
		t.Errorf("head warnings = %q", w)
	}
}
