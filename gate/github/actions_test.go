package github

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/perfgate/perfgate/gate"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (go test -update rewrites it)\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

func TestPublishWritesOutputsSummaryAndAnnotations(t *testing.T) {
	t.Parallel()
	env := newActionsEnv(t, "pull_request", "pull_request.json", "http://127.0.0.1:9") // never dialled: mode never
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	env.vars["GITHUB_WORKSPACE"] = root
	// The summary file already holds an earlier step's summary.
	if err := os.WriteFile(env.summary, []byte("## build\n\nok\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	markdown := Marker + "\n## :x: perfgate: fail\n\n2 regressions, 1 target breached, 1 failing test\n"
	opts := env.options(gate.CommentNever)
	res, err := Publish(context.Background(), failingReport(), markdown, opts)
	if err != nil {
		t.Fatalf("Publish: %v", err)
	}
	if !res.InActions || res.Comment != OutcomeNone {
		t.Errorf("result %+v", res)
	}
	wantOutput := "verdict<<_GitHubActionsFileCommandDelimeter_\nfail\n_GitHubActionsFileCommandDelimeter_\n" +
		"regressions<<_GitHubActionsFileCommandDelimeter_\n2\n_GitHubActionsFileCommandDelimeter_\n" +
		"report-path<<_GitHubActionsFileCommandDelimeter_\n/work/perfgate-out/report.json\n_GitHubActionsFileCommandDelimeter_\n"
	if got := env.read(t, env.output); got != wantOutput {
		t.Errorf("GITHUB_OUTPUT\n%q\nwant\n%q", got, wantOutput)
	}
	if got, want := env.read(t, env.summary), "## build\n\nok\n"+markdown+"\n"; got != want {
		t.Errorf("GITHUB_STEP_SUMMARY\n%q\nwant\n%q", got, want)
	}
	out := env.stdout.String()
	if !strings.Contains(out, "::error file=gate/github/search_test.go,line=42,title=perfgate%3A failing test TestSearchRanking::") {
		t.Errorf("the failing test is not placed at its file and line:\n%s", out)
	}
	golden(t, "annotations.golden", out)
}

func TestPublishOutsideActionsWritesNothing(t *testing.T) {
	t.Parallel()
	var stdout bytes.Buffer
	env := map[string]string{"HOME": t.TempDir()}
	res, err := Publish(context.Background(), failingReport(), "report", Options{
		Token: testToken, Mode: gate.CommentAlways, Getenv: func(k string) string { return env[k] }, Stdout: &stdout,
	})
	if err != nil || res.InActions || res.Comment != OutcomeNone || res.PullRequest != nil {
		t.Errorf("Publish = %+v, %v; want nothing done", res, err)
	}
	if stdout.Len() != 0 {
		t.Errorf("wrote %q outside Actions", stdout.String())
	}
}

func TestPublishReportsUnwritableFilesAsWarnings(t *testing.T) {
	t.Parallel()
	env := newActionsEnv(t, "push", "", "http://127.0.0.1:9")
	env.vars["GITHUB_OUTPUT"] = filepath.Join(env.dir, "missing", "output")
	delete(env.vars, "GITHUB_STEP_SUMMARY")
	res, err := Publish(context.Background(), quietReport(), "report", env.options(gate.CommentAlways))
	if err == nil || !strings.Contains(err.Error(), "set outputs") || !strings.Contains(err.Error(), "GITHUB_STEP_SUMMARY is not set") {
		t.Errorf("Publish error %v, want both failures", err)
	}
	if !res.InActions {
		t.Errorf("result %+v", res)
	}
	if !strings.Contains(env.stdout.String(), "::warning title=perfgate%3A report not fully published::") {
		t.Errorf("no warning:\n%s", env.stdout.String())
	}
}

func TestAnnotationBudget(t *testing.T) {
	t.Parallel()
	r := &gate.Report{}
	for i := range 12 {
		r.Comparisons = append(r.Comparisons, gate.Comparison{Benchmark: fmt.Sprintf("B%d", i), Unit: "sec/op", Status: gate.StatusRegression})
	}
	for i := range 8 {
		r.Warnings = append(r.Warnings, fmt.Sprintf("w%d", i))
	}
	var stdout bytes.Buffer
	rt := newRuntime(func(string) string { return "" }, &stdout)
	if err := rt.emit(annotations(r, nil)); err != nil {
		t.Fatal(err)
	}
	out := stdout.String()
	if n := strings.Count(out, "::error "); n != maxErrors {
		t.Errorf("%d error annotations, want %d", n, maxErrors)
	}
	if !strings.Contains(out, "::error title=perfgate::3 more errors: see the step summary") || strings.Contains(out, "regression in B9::") {
		t.Errorf("the last error slot does not count the rest:\n%s", out)
	}
	if n := strings.Count(out, "::warning "); n != maxWarnings || strings.Contains(out, "more warnings") {
		t.Errorf("%d warnings, want all %d:\n%s", n, maxWarnings, out)
	}
}

func TestReadInputs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		env     map[string]string
		want    Inputs
		wantErr string
	}{
		{"action defaults", map[string]string{
			EnvConfig: "perfgate.yml", EnvToken: testToken, EnvBaseRef: "", EnvComment: "", EnvFailOn: "", EnvWorkingDirectory: ".",
		}, Inputs{Config: "perfgate.yml", Token: testToken, WorkingDirectory: "."}, ""},
		{"everything set", map[string]string{
			EnvConfig: " ci/perfgate.yml ", EnvToken: testToken, EnvBaseRef: "origin/main", EnvComment: "alert",
			EnvFailOn: "regression, test\n", EnvWorkingDirectory: "services/api", EnvProfile: "quick", EnvSuites: "search,load",
		}, Inputs{Config: "ci/perfgate.yml", Token: testToken, BaseRef: "origin/main", Comment: "alert", FailOn: "regression, test",
			WorkingDirectory: "services/api", Profile: "quick", Suites: "search,load"}, ""},
		{"no token", map[string]string{EnvComment: "never"}, Inputs{Comment: "never"}, ""},
		{"option as ref", map[string]string{EnvBaseRef: "--upload-pack=evil"}, Inputs{}, "cannot start with '-'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stdout bytes.Buffer
			got, err := ReadInputs(func(k string) string { return tt.env[k] }, &stdout)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ReadInputs error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("ReadInputs =\n%+v\nwant\n%+v", got, tt.want)
			}
			wantOut := ""
			if tt.want.Token != "" {
				wantOut = "::add-mask::" + testToken + "\n"
			}
			if stdout.String() != wantOut {
				t.Errorf("stdout %q, want %q", stdout.String(), wantOut)
			}
		})
	}
}

func TestDetectPullRequest(t *testing.T) {
	t.Parallel()
	const head, base = "9f3c2a7d41be8e06c5a1f4d2b7e90c3a6d8f1b25", "4b8e1d0f7a29c63e5d12b8f0a9c4e7d36b2a1f08"
	tests := []struct {
		event, payload string
		want           *PullRequest
	}{
		{"pull_request", "pull_request.json", &PullRequest{Owner: "perfgate", Repo: "perfgate", Number: 42, HeadSHA: head, BaseSHA: base,
			HeadRepo: "perfgate/perfgate", Fork: false, Event: "pull_request", APIURL: "https://api.example.test"}},
		{"pull_request", "pull_request_fork.json", &PullRequest{Owner: "perfgate", Repo: "perfgate", Number: 43, HeadSHA: head, BaseSHA: base,
			HeadRepo: "octo-dev/perfgate", Fork: true, Event: "pull_request", APIURL: "https://api.example.test"}},
		{"pull_request_target", "pull_request_fork.json", &PullRequest{Owner: "perfgate", Repo: "perfgate", Number: 43, HeadSHA: head, BaseSHA: base,
			HeadRepo: "octo-dev/perfgate", Fork: true, Event: "pull_request_target", APIURL: "https://api.example.test"}},
		{"push", "", nil},
	}
	for _, tt := range tests {
		env := newActionsEnv(t, tt.event, tt.payload, "https://api.example.test")
		got, err := DetectPullRequest(env.getenv)
		if err != nil {
			t.Fatalf("%s %s: %v", tt.event, tt.payload, err)
		}
		if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", tt.want) {
			t.Errorf("%s %s:\n%+v\nwant\n%+v", tt.event, tt.payload, got, tt.want)
		}
	}

	// A payload without pull_request, or no payload at all, is an error.
	env := newActionsEnv(t, "pull_request", "", "")
	env.vars["GITHUB_EVENT_PATH"] = filepath.Join(env.dir, "event.json")
	if err := os.WriteFile(env.vars["GITHUB_EVENT_PATH"], []byte(`{"number": 1}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := DetectPullRequest(env.getenv); err == nil || !strings.Contains(err.Error(), "has no pull_request") {
		t.Errorf("DetectPullRequest error %v", err)
	}
	delete(env.vars, "GITHUB_EVENT_PATH")
	if _, err := DetectPullRequest(env.getenv); err == nil {
		t.Error("DetectPullRequest without a payload succeeded")
	}
}

func TestLocateTestFailure(t *testing.T) {
	t.Parallel()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	loc := newLocator(".", root)
	if loc == nil || loc.module != "github.com/perfgate/perfgate" || loc.root != "." {
		t.Fatalf("newLocator = %+v", loc)
	}
	for _, tt := range []struct {
		f    gate.TestFailure
		file string
		line int
	}{
		{gate.TestFailure{Package: "github.com/perfgate/perfgate/gate/github", Output: "    x_test.go:7: boom\n"}, "gate/github/x_test.go", 7},
		{gate.TestFailure{Package: "github.com/perfgate/perfgate", Output: "main_test.go:3: boom"}, "main_test.go", 3},
		{gate.TestFailure{Package: "example.com/other", Output: "    x_test.go:7: boom\n"}, "", 0},
		{gate.TestFailure{Package: "github.com/perfgate/perfgate/gate", Output: "panic: runtime error"}, "", 0},
	} {
		if file, line := loc.locate(tt.f); file != tt.file || line != tt.line {
			t.Errorf("locate(%q, %q) = %s:%d, want %s:%d", tt.f.Package, tt.f.Output, file, line, tt.file, tt.line)
		}
	}
	if newLocator(".", "") != nil || newLocator(".", t.TempDir()) != nil {
		t.Error("a locator without a workspace above the module")
	}
}
