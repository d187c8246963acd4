package github

import (
	"bytes"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/perfgate/perfgate/gate"
)

// testToken is what the fake accepts; tests assert it never leaks.
const testToken = "ghs_FAKE0123456789abcdefTOKENxyz"

// fastRetry keeps retry tests quick.
var fastRetry = Retry{Attempts: 3, Delay: time.Millisecond}

// actionsEnv is a fake GitHub Actions step environment: variables, and the
// files GITHUB_OUTPUT and GITHUB_STEP_SUMMARY name.
type actionsEnv struct {
	vars    map[string]string
	dir     string
	output  string
	summary string
	stdout  syncBuffer
}

// newActionsEnv returns the environment of a step running on event, whose
// payload is testdata/events/<payload> ("" for none), against the API at apiURL.
func newActionsEnv(t *testing.T, event, payload, apiURL string) *actionsEnv {
	t.Helper()
	dir := t.TempDir()
	e := &actionsEnv{dir: dir, output: filepath.Join(dir, "output"), summary: filepath.Join(dir, "summary")}
	for _, f := range []string{e.output, e.summary} {
		if err := os.WriteFile(f, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	e.vars = map[string]string{
		"GITHUB_ACTIONS":      "true",
		"GITHUB_EVENT_NAME":   event,
		"GITHUB_REPOSITORY":   "perfgate/perfgate",
		"GITHUB_API_URL":      apiURL,
		"GITHUB_OUTPUT":       e.output,
		"GITHUB_STEP_SUMMARY": e.summary,
		"GITHUB_RUN_ID":       "11223344",
	}
	if payload != "" {
		e.vars["GITHUB_EVENT_PATH"] = eventFile(t, payload)
	}
	return e
}

func (e *actionsEnv) getenv(k string) string { return e.vars[k] }

func (e *actionsEnv) read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// options returns Publish options for this environment.
func (e *actionsEnv) options(mode gate.CommentMode) Options {
	return Options{
		Token:      testToken,
		Mode:       mode,
		ReportPath: "/work/perfgate-out/report.json",
		Getenv:     e.getenv,
		Stdout:     &e.stdout,
		Retry:      fastRetry,
	}
}

// eventFile returns the absolute path of testdata/events/name at the
// repository root.
func eventFile(t *testing.T, name string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("..", "..", "testdata", "events", name))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatal(err)
	}
	return p
}

// syncBuffer is a bytes.Buffer safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Reports used across tests.

func quietReport() *gate.Report {
	r := &gate.Report{Alpha: 0.05, Comparisons: []gate.Comparison{{
		Suite: "search", Benchmark: "Search/n=1000", Unit: "sec/op", OrigUnit: "ns/op", Better: gate.LowerIsBetter,
		Old: &gate.Stat{Center: 0.0012, Lo: 0.00118, Hi: 0.00123, N: 10}, New: &gate.Stat{Center: 0.00121, Lo: 0.00119, Hi: 0.00124, N: 10},
		Delta: 0.0083, P: 0.42, PAdjusted: 0.42, Threshold: 0.10, Status: gate.StatusUnchanged,
	}}}
	r.Decide(gate.DefaultFailOn())
	return r
}

func improvedReport() *gate.Report {
	r := quietReport()
	c := &r.Comparisons[0]
	c.New = &gate.Stat{Center: 0.0009, Lo: 0.00089, Hi: 0.00092, N: 10}
	c.Delta, c.P, c.PAdjusted, c.Significant, c.Status = -0.25, 0.0001, 0.0001, true, gate.StatusImprovement
	r.Decide(gate.DefaultFailOn())
	return r
}

func failingReport() *gate.Report {
	r := &gate.Report{
		Alpha: 0.05,
		Comparisons: []gate.Comparison{{
			Suite: "search", Benchmark: "Search/n=1000", Unit: "sec/op", OrigUnit: "ns/op", Better: gate.LowerIsBetter,
			Old: &gate.Stat{Center: 0.0012, Lo: 0.00118, Hi: 0.00123, N: 10}, New: &gate.Stat{Center: 0.00137, Lo: 0.00135, Hi: 0.0014, N: 10},
			Delta: 0.1417, P: 0.0002, PAdjusted: 0.0004, Significant: true, Threshold: 0.10, Status: gate.StatusRegression,
		}, {
			Suite: "index", Benchmark: "Index", Unit: "B/op", OrigUnit: "B/op", Better: gate.LowerIsBetter, Exact: true,
			Old: &gate.Stat{Center: 4096, N: 1}, New: &gate.Stat{Center: 8192, N: 1},
			Delta: 1, Significant: true, Threshold: 0.10, Status: gate.StatusRegression,
		}},
		Targets: []gate.TargetResult{{
			Target: "Search p95-ns/op <= 500ms", Suite: "search", Benchmark: "Search/n=1000", Unit: "p95-sec/op", Op: gate.AtMost,
			Limit: 0.5, Value: 0.612, Lo: 0.58, Hi: 0.64, Bound: 0.58, Margin: -0.28, Status: gate.TargetFail,
		}, {
			Target: "Index req/s >= 100", Suite: "index", Benchmark: "Index", Unit: "req/s", Op: gate.AtLeast,
			Limit: 100, Value: 104, Lo: 97, Hi: 110, Bound: 110, Margin: -0.03, Status: gate.TargetWarn,
		}},
		TestFailures: []gate.TestFailure{{
			Suite: "integration", Package: "github.com/perfgate/perfgate/gate/github", Test: "TestSearchRanking",
			Output: "=== RUN   TestSearchRanking\n    search_test.go:42: got 3 results, want 5\n--- FAIL: TestSearchRanking (0.01s)\n",
		}},
		Warnings: []string{"search: Search/n=1000: only 4 samples in the baseline (want at least 6)"},
	}
	r.Decide(gate.DefaultFailOn())
	return r
}
