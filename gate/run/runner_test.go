package run_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/perfgate/perfgate/gate"
	"github.com/perfgate/perfgate/gate/run"
)

// newRunner returns a Runner in a fresh directory, its progress captured.
func newRunner(t *testing.T) (*run.Runner, *bytes.Buffer) {
	t.Helper()
	var progress bytes.Buffer
	return &run.Runner{Dir: t.TempDir(), Env: os.Environ(), Progress: &progress}, &progress
}

func suite(name, cmd string) gate.Suite {
	return gate.Suite{Name: name, Run: cmd}.WithDefaults()
}

func TestRunBench(t *testing.T) {
	t.Parallel()
	r, progress := newRunner(t)
	s := suite("search", `printf 'goos: linux\ncpu: Test CPU  \nUnit req/s better=higher\n\nBenchmarkA-2 10 100 ns/op 5 req/s\nBenchmarkB 1 2 ns/op\n'`)
	s.Count = 3
	results, err := r.Run(t.Context(), []gate.Suite{s})
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 1 {
		t.Fatalf("got %d results", len(results))
	}
	res := results[0]
	if len(res.Records) != 6 {
		t.Fatalf("got %d records, want 6", len(res.Records))
	}
	for i, rec := range res.Records {
		if want := i/2 + 1; rec.Run != want {
			t.Errorf("record %d (%s) run = %d, want %d", i, rec.Name, rec.Run, want)
		}
		// No run key is added: samples of all runs stay in one benchstat
		// row. The goarch the output did not give is this machine's, as
		// baselines record it.
		if rec.GetConfig("run") != "" || len(rec.Config) != 3 || rec.GetConfig("goos") != "linux" ||
			rec.GetConfig("goarch") != runtime.GOARCH || strings.TrimSpace(rec.GetConfig("cpu")) != "Test CPU" {
			t.Errorf("record %d config = %v, want goos, cpu as printed and goarch %s", i, rec.Config, runtime.GOARCH)
		}
	}
	if v := res.Records[0].Values[0]; v.OrigValue != 100 || v.OrigUnit != "ns/op" || v.Unit != "sec/op" {
		t.Errorf("BenchmarkA's first value = %+v, want 100 ns/op tidied to sec/op", v)
	}
	if len(res.Units) != 1 || res.UnitMap().GetBetter("req/s") != 1 {
		t.Errorf("units = %v", res.Units)
	}
	sum := res.Summary
	if sum.Name != "search" || sum.Kind != gate.KindBench || sum.Runs != 3 || sum.Results != 6 || len(sum.Warnings) != 0 {
		t.Errorf("summary = %+v", sum)
	}
	if len(sum.Outputs) != 6 || sum.Outputs[0] != filepath.Join("search", "run-1.txt") || sum.Outputs[1] != filepath.Join("search", "run-1.stderr.txt") {
		t.Errorf("outputs = %q", sum.Outputs)
	}
	if env := res.Environment(); env.GOOS != "linux" || env.CPU != "Test CPU" {
		t.Errorf("environment = %+v", env)
	}
	raw, err := os.ReadFile(filepath.Join(r.Dir, run.DefaultOutDir, "search", "run-2.txt"))
	if err != nil || !strings.Contains(string(raw), "BenchmarkA-2 10 100 ns/op") {
		t.Errorf("raw output = %q, %v", raw, err)
	}
	want := regexp.MustCompile(`^(\[1/1\] search run [123]/3 … \d+\.\ds\n){3}$`)
	if !want.MatchString(progress.String()) {
		t.Errorf("progress =\n%s", progress.String())
	}

	// The results file reads back the same records, run tags included.
	back, err := run.ReadResults(filepath.Join(r.Dir, run.DefaultOutDir), "search")
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Records) != 6 || len(back.Units) != 1 || back.Summary.Runs != 3 {
		t.Fatalf("read back %d records, %d units, %d runs", len(back.Records), len(back.Units), back.Summary.Runs)
	}
	for i, rec := range back.Records {
		if rec.Run != res.Records[i].Run || rec.Name.String() != res.Records[i].Name.String() || rec.GetConfig("cpu") != "Test CPU  " {
			t.Errorf("read back record %d = run %d %s %v", i, rec.Run, rec.Name, rec.Config)
		}
	}
}

func TestRunEnvironmentAndProfile(t *testing.T) {
	t.Parallel()
	r, _ := newRunner(t)
	r.Env = []string{"PATH=" + os.Getenv("PATH"), "X=base", "DATABASE_URL=postgres://stale"}
	r.DatabaseURL = "postgres://db"
	r.Profile = "quick"
	s := suite("env", `echo "BenchmarkEnv 1 1 ns/op"; echo "$DATABASE_URL|$TEST_DATABASE_URL|$PERFGATE_PROFILE|$PERFGATE_SUITE|$X|$Y|$(pwd)" >&2`)
	s.Env = map[string]string{"X": "suite", "Y": "suite"}
	s.Profiles = map[string]gate.Profile{"quick": {Count: 2, Env: map[string]string{"Y": "quick"}}}
	results, err := r.Run(t.Context(), []gate.Suite{s})
	if err != nil {
		t.Fatal(err)
	}
	if got := results[0].Summary.Runs; got != 2 {
		t.Errorf("runs = %d, want the profile's 2", got)
	}
	got, err := os.ReadFile(filepath.Join(r.Dir, run.DefaultOutDir, "env", "run-2.stderr.txt"))
	if err != nil {
		t.Fatal(err)
	}
	dir, _ := filepath.EvalSymlinks(r.Dir)
	want := "postgres://db|postgres://db|quick|env|suite|quick|" + dir + "\n"
	if string(got) != want {
		t.Errorf("environment seen by the suite = %q, want %q", got, want)
	}
}

func TestRunSyntaxErrorIsAWarning(t *testing.T) {
	t.Parallel()
	r, _ := newRunner(t)
	results, err := r.Run(t.Context(), []gate.Suite{suite("bad", `printf 'BenchmarkOK 1 5 ns/op\nBenchmarkBad abc 1 ns/op\nBenchmarkNoUnit 1 5\n'`)})
	if err != nil {
		t.Fatal(err)
	}
	res := results[0]
	if len(res.Records) != 1 {
		t.Errorf("got %d records, want the one valid line", len(res.Records))
	}
	want := []string{
		filepath.Join(run.DefaultOutDir, "bad", "run-1.txt") + ":2: parsing iteration count: invalid syntax",
		filepath.Join(run.DefaultOutDir, "bad", "run-1.txt") + ":3: missing units",
	}
	if fmt.Sprint(res.Summary.Warnings) != fmt.Sprint(want) {
		t.Errorf("warnings = %q, want %q", res.Summary.Warnings, want)
	}
}

func TestRunNoResultsWarns(t *testing.T) {
	t.Parallel()
	r, _ := newRunner(t)
	results, err := r.Run(t.Context(), []gate.Suite{suite("quiet", "echo PASS")})
	if err != nil {
		t.Fatal(err)
	}
	if w := results[0].Summary.Warnings; len(w) != 1 || !strings.Contains(w[0], "printed no benchmark results") {
		t.Errorf("warnings = %q", w)
	}
}

func TestRunTimeoutKillsEveryChild(t *testing.T) {
	t.Parallel()
	r, progress := newRunner(t)
	pidFile := filepath.Join(r.Dir, "child.pid")
	s := suite("slow", fmt.Sprintf(`echo started; sleep 30 & echo $! > %s; sleep 30`, pidFile))
	s.Timeout = 300 * time.Millisecond
	start := time.Now()
	_, err := r.Run(t.Context(), []gate.Suite{s})
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("Run took %v after a 300ms timeout", elapsed)
	}
	var se *run.SuiteError
	if !errors.As(err, &se) {
		t.Fatalf("err = %v, want a *SuiteError", err)
	}
	if se.Suite != "slow" || se.Reason != "timed out after 300ms" || se.ExitCode != -1 || fmt.Sprint(se.Tail) != "[started]" {
		t.Errorf("SuiteError = %+v", se)
	}
	if !strings.HasSuffix(progress.String(), "timed out after 300ms\n") {
		t.Errorf("progress = %q", progress.String())
	}
	data, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(data)))
	waitDead(t, pid)
}

// waitDead fails unless the process exits (or is a zombie) within 2s.
func waitDead(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			return // gone
		}
		// The state follows the parenthesized command name.
		if i := bytes.LastIndexByte(stat, ')'); i >= 0 && i+2 < len(stat) && stat[i+2] == 'Z' {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Errorf("child process %d survived the suite", pid)
}

func TestRunCancelKillsTheSuite(t *testing.T) {
	t.Parallel()
	r, _ := newRunner(t)
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(200*time.Millisecond, cancel)
	start := time.Now()
	_, err := r.Run(ctx, []gate.Suite{suite("long", "sleep 30")})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("Run took %v after cancellation", elapsed)
	}
}

func TestRunInfrastructureErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		suite  gate.Suite
		reason string
		code   int
		tail   string // a line the tail must hold
	}{
		{"missing command", suite("missing", "perfgate-no-such-command --flag"), "command not found (exit status 127)", 127, "not found"},
		{"crash", suite("crash", "echo 'BenchmarkA 1 1 ns/op'; echo partial; echo boom >&2; exit 2"), "exit status 2", 2, "boom"},
		{"signal", suite("signal", "kill -SEGV $$"), "killed by signal segmentation fault", -1, ""},
		{"not executable", suite("noexec", "/dev/null"), "command not executable (exit status 126)", 126, "Permission denied"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, _ := newRunner(t)
			_, err := r.Run(t.Context(), []gate.Suite{tt.suite})
			var se *run.SuiteError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v, want a *SuiteError", err)
			}
			if se.Suite != tt.suite.Name || se.Reason != tt.reason || se.ExitCode != tt.code {
				t.Errorf("SuiteError = %+v, want reason %q code %d", se, tt.reason, tt.code)
			}
			if tt.tail != "" && !strings.Contains(strings.Join(se.Tail, "\n"), tt.tail) {
				t.Errorf("tail = %q, want a line with %q", se.Tail, tt.tail)
			}
			if !strings.HasPrefix(err.Error(), "suite "+tt.suite.Name+": "+tt.reason+"; output in ") {
				t.Errorf("Error() = %q", err)
			}
		})
	}
}

func TestRunStopsAtTheFirstBrokenSuite(t *testing.T) {
	t.Parallel()
	r, _ := newRunner(t)
	marker := filepath.Join(r.Dir, "second-ran")
	results, err := r.Run(t.Context(), []gate.Suite{
		suite("ok", "echo 'BenchmarkA 1 1 ns/op'"),
		suite("broken", "exit 1"),
		suite("never", "touch "+marker),
	})
	var se *run.SuiteError
	if !errors.As(err, &se) || se.Suite != "broken" {
		t.Fatalf("err = %v", err)
	}
	if len(results) != 1 || results[0].Summary.Name != "ok" {
		t.Errorf("results = %v, want the first suite's", results)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Error("a suite after the broken one ran")
	}
}

func TestRunRemovesStaleOutputs(t *testing.T) {
	t.Parallel()
	r, _ := newRunner(t)
	s := suite("s", "echo 'BenchmarkA 1 1 ns/op'")
	s.Count = 3
	if _, err := r.Run(t.Context(), []gate.Suite{s}); err != nil {
		t.Fatal(err)
	}
	keep := filepath.Join(r.Dir, run.DefaultOutDir, "s", "notes.md")
	if err := os.WriteFile(keep, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	s.Count = 1
	if _, err := r.Run(t.Context(), []gate.Suite{s}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(r.Dir, run.DefaultOutDir, "s", "run-3.txt")); err == nil {
		t.Error("run-3.txt of the earlier run is still there")
	}
	if _, err := os.Stat(keep); err != nil {
		t.Error("a file perfgate did not write was removed")
	}
	back, err := run.ReadResults(filepath.Join(r.Dir, run.DefaultOutDir), "s")
	if err != nil || len(back.Records) != 1 {
		t.Errorf("results.txt holds %v records (%v), want the last run's 1", back, err)
	}
}

func TestReadResultsMissing(t *testing.T) {
	t.Parallel()
	_, err := run.ReadResults(t.TempDir(), "search")
	if !errors.Is(err, run.ErrNoResults) || !strings.Contains(err.Error(), "run perfgate run or dry-run first") {
		t.Errorf("err = %v", err)
	}
}
