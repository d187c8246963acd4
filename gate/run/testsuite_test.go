package run_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/perfgate/perfgate/gate"
	"github.com/perfgate/perfgate/gate/run"
)

// testSuite returns a test suite replaying a `go test -json` fixture with
// the exit status go test had.
func testSuite(t *testing.T, name, fixture string, exit int) gate.Suite {
	t.Helper()
	path, err := filepath.Abs(filepath.Join("testdata", fixture))
	if err != nil {
		t.Fatal(err)
	}
	s := suite(name, fmt.Sprintf("cat '%s'; exit %d", path, exit))
	s.Kind = gate.KindTest
	return s
}

// The fixture is real `go test -json -bench . -count 2` output of three
// packages: a (a passing, a skipped and a failing test with subtests),
// b (a test that panics) and d (benchmarks).
func TestRunTestSuite(t *testing.T) {
	t.Parallel()
	r, _ := newRunner(t)
	results, err := r.Run(t.Context(), []gate.Suite{testSuite(t, "integration", "gotest.json", 1)})
	if err != nil {
		t.Fatalf("a failing test is a finding, not an error: %v", err)
	}
	res := results[0]

	var got []string
	for _, f := range res.TestFailures {
		got = append(got, f.Suite+" "+f.Package+" "+f.Test)
	}
	want := []string{
		"integration example.com/tj/a TestFail/sub_bad",
		"integration example.com/tj/b TestPanics",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("failures = %q, want %q (the parent TestFail fails with its subtest and is not listed)", got, want)
	}
	if out := res.TestFailures[0].Output; out != "    a_test.go:13: want 1, got 2\n--- FAIL: TestFail/sub_bad (0.00s)" {
		t.Errorf("output of TestFail/sub_bad = %q", out)
	}
	if out := res.TestFailures[1].Output; !strings.Contains(out, "panic: assignment to entry in nil map") || strings.Count(out, "\n") >= run.DefaultTailLines {
		t.Errorf("output of TestPanics is not the tail of its panic: %q", out)
	}

	sum := res.Summary
	// -count 2: TestPass, TestFail/sub_ok and TestOK pass twice each;
	// TestSkip is skipped twice; TestFail, its subtest and TestPanics fail.
	if sum.TestsPassed != 6 || sum.TestsSkipped != 2 || sum.TestsFailed != 5 {
		t.Errorf("tests passed/skipped/failed = %d/%d/%d, want 6/2/5", sum.TestsPassed, sum.TestsSkipped, sum.TestsFailed)
	}

	// Benchmark lines inside the JSON events are results, with the
	// configuration go test printed, split lines joined.
	var names []string
	for _, rec := range res.Records {
		names = append(names, rec.Name.String())
		if rec.GetConfig("pkg") != "example.com/tj/d" || rec.GetConfig("goos") == "" {
			t.Errorf("record %s config = %v", rec.Name, rec.Config)
		}
	}
	if fmt.Sprint(names) != "[Sprint-2 Sprint-2 Sub/n=1-2 Sub/n=1-2]" {
		t.Errorf("benchmarks = %q", names)
	}
	if _, ok := res.Records[0].Value("p95-sec/op"); !ok {
		t.Errorf("custom metric missing from %v", res.Records[0].Values)
	}
	if len(sum.Warnings) != 0 {
		t.Errorf("warnings = %q", sum.Warnings)
	}
}

func TestRunTestSuiteBuildFailure(t *testing.T) {
	t.Parallel()
	r, _ := newRunner(t)
	_, err := r.Run(t.Context(), []gate.Suite{testSuite(t, "integration", "gotest-build-failed.json", 1)})
	var se *run.SuiteError
	if !errors.As(err, &se) {
		t.Fatalf("err = %v, want a *SuiteError: a build failure reports no failing test", err)
	}
	if se.Reason != "build failed for example.com/tj/c (exit status 1)" {
		t.Errorf("reason = %q", se.Reason)
	}
	if tail := strings.Join(se.Tail, "\n"); !strings.Contains(tail, "c/c_test.go:5:32: undefined: undefined") || strings.Contains(tail, `"Action"`) {
		t.Errorf("tail is not the decoded build output: %q", se.Tail)
	}
}

func TestRunTestSuitePassing(t *testing.T) {
	t.Parallel()
	r, _ := newRunner(t)
	events := `{"Action":"run","Package":"p","Test":"TestA"}
{"Action":"output","Package":"p","Test":"TestA","Output":"=== RUN   TestA\n"}
{"Action":"output","Package":"p","Test":"TestA","Output":"status: chatty test output\n"}
{"Action":"pass","Package":"p","Test":"TestA"}
{"Action":"output","Package":"p","Output":"BenchmarkX-2 \t"}
{"Action":"output","Package":"p","Output":"10 5 ns/op\n"}
{"Action":"output","Package":"p","Output":"BenchmarkBroken-2 \tten 5 ns/op\n"}
not json: plain text
BenchmarkPlain 1 7 ns/op
{"Action":"pass","Package":"p"}
`
	path := filepath.Join(r.Dir, "events.json")
	if err := os.WriteFile(path, []byte(events), 0o644); err != nil {
		t.Fatal(err)
	}
	s := suite("t", "cat events.json")
	s.Kind = gate.KindTest
	results, err := r.Run(t.Context(), []gate.Suite{s})
	if err != nil {
		t.Fatal(err)
	}
	res := results[0]
	if len(res.TestFailures) != 0 || res.Summary.TestsPassed != 1 {
		t.Errorf("summary = %+v, failures %v", res.Summary, res.TestFailures)
	}
	var names []string
	for _, rec := range res.Records {
		names = append(names, rec.Name.String())
		// A test's own "key: value" output is not configuration.
		if rec.GetConfig("status") != "" {
			t.Errorf("record %s picked up test output as config: %v", rec.Name, rec.Config)
		}
	}
	if fmt.Sprint(names) != "[X-2 Plain]" {
		t.Errorf("benchmarks = %q", names)
	}
	// The warning points at the line of the JSON file holding the bad result.
	want := filepath.Join(run.DefaultOutDir, "t", "run-1.txt") + ":7: parsing iteration count: invalid syntax"
	if fmt.Sprint(res.Summary.Warnings) != "["+want+"]" {
		t.Errorf("warnings = %q, want [%s]", res.Summary.Warnings, want)
	}
}

// A benchmark whose checks fail is a failing test of the suite, counted as
// one, even when the suite runs nothing but benchmarks.
func TestRunTestSuiteFailingBenchmark(t *testing.T) {
	t.Parallel()
	r, _ := newRunner(t)
	events := `{"Action":"run","Package":"p","Test":"BenchmarkRestart"}
{"Action":"output","Package":"p","Test":"BenchmarkRestart","Output":"    restart_test.go:9: acknowledged write 17 lost\n"}
{"Action":"output","Package":"p","Test":"BenchmarkRestart","Output":"--- FAIL: BenchmarkRestart\n"}
{"Action":"fail","Package":"p","Test":"BenchmarkRestart"}
{"Action":"fail","Package":"p"}
`
	path := filepath.Join(r.Dir, "events.json")
	if err := os.WriteFile(path, []byte(events), 0o644); err != nil {
		t.Fatal(err)
	}
	s := suite("t", "cat events.json; exit 1")
	s.Kind = gate.KindTest
	results, err := r.Run(t.Context(), []gate.Suite{s})
	if err != nil {
		t.Fatal(err)
	}
	res := results[0]
	if res.Summary.TestsFailed != 1 || len(res.TestFailures) != 1 || res.TestFailures[0].Test != "BenchmarkRestart" {
		t.Fatalf("summary %+v, failures %+v: want the failing benchmark counted and listed", res.Summary, res.TestFailures)
	}
	if !strings.Contains(res.TestFailures[0].Output, "acknowledged write 17 lost") {
		t.Errorf("failure output %q", res.TestFailures[0].Output)
	}
	if len(res.Summary.Warnings) != 0 {
		t.Errorf("warnings %q, want none", res.Summary.Warnings)
	}
}
