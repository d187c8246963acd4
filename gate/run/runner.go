package run

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"golang.org/x/perf/benchfmt"

	"github.com/perfgate/perfgate/gate"
)

// Defaults of a Runner.
const (
	DefaultOutDir    = "perfgate-out"
	DefaultTailLines = 20
)

// Runner runs suites and keeps their raw output. Its zero value runs in the
// current directory with this process's environment; set Dir, Env and
// DatabaseURL to inject them.
type Runner struct {
	// Dir is the repository root, where suites run. Default: the
	// current directory.
	Dir string
	// OutDir receives the raw outputs, one directory per suite; a
	// relative OutDir is relative to Dir. Default: perfgate-out.
	OutDir string
	// Env is the base environment of every suite, as os.Environ returns
	// it. nil means os.Environ().
	Env []string
	// DatabaseURL, when set, is exported to every suite as DATABASE_URL
	// and TEST_DATABASE_URL, over Env.
	DatabaseURL string
	// Profile selects each suite's profile (gate.Suite.ForProfile) and is
	// exported as PERFGATE_PROFILE.
	Profile string
	// Progress receives one human line per run, such as
	// "[2/5] search run 1/3 … 12.3s". nil means none.
	Progress io.Writer
	// Logger receives debug records of each run. nil discards them.
	Logger *slog.Logger
	// TailLines bounds the output kept in a SuiteError and in each
	// failing test. Default: 20.
	TailLines int

	// goflags is the GOFLAGS in effect under Env, from `go env` (which
	// also reads the file of `go env -w`), set for a --base-ref run.
	goflags string
}

// config returns r with its defaults applied and OutDir made absolute.
func (r Runner) config() (Runner, error) {
	if r.Dir == "" {
		r.Dir = "."
	}
	dir, err := filepath.Abs(r.Dir)
	if err != nil {
		return r, fmt.Errorf("resolve suite directory: %w", err)
	}
	r.Dir = dir
	if r.OutDir == "" {
		r.OutDir = DefaultOutDir
	}
	if r.Env == nil {
		r.Env = os.Environ()
	}
	if r.Progress == nil {
		r.Progress = io.Discard
	}
	if r.Logger == nil {
		r.Logger = slog.New(slog.DiscardHandler)
	}
	if r.TailLines <= 0 {
		r.TailLines = DefaultTailLines
	}
	return r, nil
}

// outDir is the absolute output directory.
func (r *Runner) outDir() string {
	if filepath.IsAbs(r.OutDir) {
		return r.OutDir
	}
	return filepath.Join(r.Dir, r.OutDir)
}

// display names an output file in warnings and errors: relative to the
// repository root when OutDir is, so that it reads as the user wrote it.
func (r *Runner) display(suite, file string) string {
	return filepath.Join(r.OutDir, suite, file)
}

// Run runs every suite in order, each Count times with its profile applied,
// and returns their results. It stops at the first suite that cannot be
// run, returning the results of the suites before it and a *SuiteError;
// on cancellation of ctx it returns ctx's error. Failing tests are results,
// not errors.
//
// For each suite, Run writes the raw outputs to OutDir/<suite>/run-<i>.txt
// (stdout) and run-<i>.stderr.txt, and every benchmark result to
// OutDir/<suite>/results.txt, which ReadResults reads back.
func (r *Runner) Run(ctx context.Context, suites []gate.Suite) ([]*Result, error) {
	rr, err := r.config()
	if err != nil {
		return nil, err
	}
	results := make([]*Result, 0, len(suites))
	for i, s := range suites {
		s = s.WithDefaults().ForProfile(rr.Profile)
		if err := rr.prepare(s.Name); err != nil {
			return results, err
		}
		res := newResult(s)
		if s.Go != nil {
			sd := &side{dir: rr.Dir, prefix: "run-", res: res}
			if err := rr.runGo(ctx, s, i+1, len(suites), []*side{sd}, nil); err != nil {
				return results, err
			}
		}
		for run := 1; run <= s.Count && s.Go == nil; run++ {
			j := job{suite: s, pos: i + 1, total: len(suites), run: run, dir: rr.Dir, file: fmt.Sprintf("run-%d.txt", run)}
			if err := rr.runOnce(ctx, j, res); err != nil {
				return results, err
			}
		}
		if err := rr.finish(res, ResultsPath(rr.outDir(), s.Name)); err != nil {
			return results, err
		}
		results = append(results, res)
	}
	return results, nil
}

func newResult(s gate.Suite) *Result {
	return &Result{Summary: gate.SuiteResult{Name: s.Name, Kind: s.Kind, Runs: s.Count}}
}

// prepare creates a suite's output directory and removes the outputs of an
// earlier run, so that no stale run-<i>.txt is mistaken for this run's.
// Only perfgate's own file names are removed.
func (r *Runner) prepare(suite string) error {
	dir := filepath.Join(r.outDir(), suite)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create output directory: %w", err)
	}
	for _, pattern := range []string{"run-*.txt", "base-run-*.txt", "head-run-*.txt", resultsFile, baseResultsFile} {
		// run-*.txt also matches the build logs of go: suites (run-build.txt).
		matches, _ := filepath.Glob(filepath.Join(dir, pattern))
		for _, m := range matches {
			if err := os.Remove(m); err != nil {
				return fmt.Errorf("remove stale output: %w", err)
			}
		}
	}
	return nil
}

// finish completes a suite's summary and writes its results file.
func (r *Runner) finish(res *Result, path string) error {
	res.Summary.Results = len(res.Records)
	switch {
	case res.Summary.Kind == gate.KindBench && len(res.Records) == 0:
		res.Summary.Warnings = append(res.Summary.Warnings, fmt.Sprintf(
			"suite %s printed no benchmark results; does its command run benchmarks (go test -run '^$' -bench .)?", res.Summary.Name))
	case res.Summary.Kind == gate.KindTest && len(res.Records) == 0 &&
		res.Summary.TestsPassed+res.Summary.TestsFailed+res.Summary.TestsSkipped == 0:
		res.Summary.Warnings = append(res.Summary.Warnings, fmt.Sprintf(
			"suite %s reported no tests; does its command run go test -json?", res.Summary.Name))
	}
	return writeResults(path, res)
}

// job is one execution of a suite's command.
type job struct {
	suite      gate.Suite
	pos, total int
	run        int
	side       string // "", "base" or "head"
	dir        string
	file       string // stdout file name in the suite's output directory
}

func (j job) label() string {
	if j.side != "" {
		return j.side
	}
	return "run"
}

// runOnce executes one run, parses its output into res and classifies its
// failure, if any.
func (r *Runner) runOnce(ctx context.Context, j job, res *Result) error {
	s := j.suite
	dir := filepath.Join(r.outDir(), s.Name)
	errFile := strings.TrimSuffix(j.file, ".txt") + ".stderr.txt"

	fmt.Fprintf(r.Progress, "[%d/%d] %s %s %d/%d … ", j.pos, j.total, s.Name, j.label(), j.run, s.Count)
	stdout, err := os.Create(filepath.Join(dir, j.file))
	if err != nil {
		fmt.Fprintln(r.Progress, "failed")
		return fmt.Errorf("create output file: %w", err)
	}
	stderr, err := os.Create(filepath.Join(dir, errFile))
	if err != nil {
		stdout.Close()
		fmt.Fprintln(r.Progress, "failed")
		return fmt.Errorf("create output file: %w", err)
	}
	x := execute(ctx, s.Timeout, []string{"sh", "-c", s.Run}, j.dir, r.environ(s, j.side), stdout, stderr)
	stdout.Close()
	stderr.Close()
	if x.canceled {
		fmt.Fprintln(r.Progress, "interrupted")
		return fmt.Errorf("suite %s: %w", s.Name, context.Cause(ctx))
	}
	fmt.Fprintln(r.Progress, x.summary(s.Timeout))
	return r.record(ctx, j, res, x)
}

// record adds a finished run's outputs (j.file and its .stderr.txt) to res:
// its results, test counts and failing tests, or, when the run failed as
// a whole, a *SuiteError.
func (r *Runner) record(ctx context.Context, j job, res *Result, x execResult) error {
	s := j.suite
	dir := filepath.Join(r.outDir(), s.Name)
	errFile := strings.TrimSuffix(j.file, ".txt") + ".stderr.txt"
	display := r.display(s.Name, j.file)
	res.Summary.Duration += x.duration
	res.Summary.Outputs = append(res.Summary.Outputs, filepath.Join(s.Name, j.file), filepath.Join(s.Name, errFile))
	r.Logger.DebugContext(ctx, "suite run", "suite", s.Name, "side", j.side, "run", j.run,
		"exit", x.exitCode, "duration", x.duration, "output", display)

	p, err := r.parse(s, filepath.Join(dir, j.file), display)
	if err != nil {
		return err
	}
	for _, br := range p.results {
		withPlatform(br)
		res.Records = append(res.Records, Record{Result: br, Run: j.run})
	}
	res.addUnits(p.units)
	res.Summary.Warnings = append(res.Summary.Warnings, p.warnings...)
	if p.dropped > 0 {
		res.Summary.Warnings = append(res.Summary.Warnings, fmt.Sprintf("%s: %d more malformed lines not listed", display, p.dropped))
	}
	res.Summary.TestsPassed += p.passed
	res.Summary.TestsFailed += p.failed
	res.Summary.TestsSkipped += p.skipped

	reason := x.failure(s.Timeout)
	if reason == "" && s.Kind == gate.KindBench && x.exitCode != 0 {
		reason = fmt.Sprintf("exit status %d", x.exitCode)
	}
	if reason == "" && s.Kind == gate.KindTest && x.exitCode != 0 && p.testFailures == 0 {
		reason = fmt.Sprintf("exit status %d without a failing test (a panic outside a test, or the command failed before its tests ran)", x.exitCode)
		if len(p.buildFailed) > 0 {
			reason = fmt.Sprintf("build failed for %s (exit status %d)", strings.Join(p.buildFailed, ", "), x.exitCode)
		}
	}
	if reason == "" {
		for _, f := range p.failures {
			if !slices.ContainsFunc(res.TestFailures, func(have gate.TestFailure) bool {
				return have.Package == f.Package && have.Test == f.Test
			}) {
				f.Suite = s.Name
				res.TestFailures = append(res.TestFailures, f)
			}
		}
		return nil
	}

	tail := p.tail
	if s.Kind == gate.KindBench {
		tail = tailOfFile(filepath.Join(dir, j.file), r.TailLines)
	}
	tail = append(tail, tailOfFile(filepath.Join(dir, errFile), r.TailLines)...)
	if len(tail) > r.TailLines {
		tail = tail[len(tail)-r.TailLines:]
	}
	return &SuiteError{
		Suite: s.Name, Side: j.side, Run: j.run, Runs: s.Count,
		Reason: reason, ExitCode: x.exitCode, Output: display, Tail: tail,
	}
}

func (r *Runner) parse(s gate.Suite, path, display string) (*parsed, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read output of suite %s: %w", s.Name, err)
	}
	defer f.Close()
	if s.Kind == gate.KindTest {
		return parseTestJSON(f, display, r.TailLines)
	}
	return parseBench(f, display), nil
}

// environ builds a suite's environment: the base environment, the
// database, perfgate's variables, then the suite's own env.
func (r *Runner) environ(s gate.Suite, side string) []string {
	env := newEnviron(r.Env)
	if r.DatabaseURL != "" {
		env.set("DATABASE_URL", r.DatabaseURL)
		env.set("TEST_DATABASE_URL", r.DatabaseURL)
	}
	env.set("PERFGATE_PROFILE", r.Profile)
	env.set("PERFGATE_SUITE", s.Name)
	if side != "" {
		env.set("PERFGATE_SIDE", side)
	}
	keys := make([]string, 0, len(s.Env))
	for k := range s.Env {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		env.set(k, s.Env[k])
	}
	if side != "" {
		// Under --base-ref the two sides build in two directories. Go
		// embeds the directory in what it builds, so the same code made two
		// different binaries whose layouts differed: Render/text read 26%
		// slower in every pair of one run on unchanged code. With
		// -trimpath the same code builds to the same bytes on either side.
		// The variable replaces the GOFLAGS of `go env -w`: keep those.
		flags := r.goflags
		if v, ok := s.Env["GOFLAGS"]; ok {
			flags = v
		}
		if !slices.Contains(strings.Fields(flags), "-trimpath") {
			env.set("GOFLAGS", strings.TrimSpace(flags+" -trimpath"))
		}
	}
	return env.list
}

// environ is an environment list with set replacing a variable in place.
type environ struct {
	list []string
	at   map[string]int
}

func newEnviron(base []string) *environ {
	e := &environ{list: make([]string, 0, len(base)+8), at: make(map[string]int, len(base)+8)}
	for _, kv := range base {
		k, v, _ := strings.Cut(kv, "=")
		e.set(k, v)
	}
	return e
}

// value is k's value, "" when unset.
func (e *environ) value(k string) string {
	if i, ok := e.at[k]; ok {
		_, v, _ := strings.Cut(e.list[i], "=")
		return v
	}
	return ""
}

func (e *environ) set(k, v string) {
	kv := k + "=" + v
	if i, ok := e.at[k]; ok {
		e.list[i] = kv
		return
	}
	e.at[k] = len(e.list)
	e.list = append(e.list, kv)
}

// execResult is how one execution ended.
type execResult struct {
	duration time.Duration
	exitCode int // -1 when the process did not exit by itself
	signal   string
	timedOut bool
	canceled bool
	startErr error
}

// execute runs a command (argv) once with a timeout. The command runs in a
// process group of its own, killed whole on timeout or cancellation and
// after the command exits, so that no child survives it.
func execute(ctx context.Context, timeout time.Duration, argv []string, dir string, env []string, stdout, stderr *os.File) execResult {
	runCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(runCtx, argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = env
	cmd.Stdout = stdout
	cmd.Stderr = stderr
	isolate(cmd)
	// stdout and stderr are files, so Wait does not wait on pipes; this
	// only bounds a pathological Wait.
	cmd.WaitDelay = 10 * time.Second

	start := time.Now()
	err := cmd.Run()
	_ = killGroup(cmd)
	x := execResult{duration: time.Since(start), exitCode: -1}
	if cmd.ProcessState == nil {
		x.startErr = err
		if ctx.Err() != nil {
			x.canceled = true
		}
		return x
	}
	if sig, ok := signaled(cmd.ProcessState); ok {
		x.signal = sig
	} else {
		x.exitCode = cmd.ProcessState.ExitCode()
	}
	if cmd.ProcessState.Success() {
		return x
	}
	switch {
	case ctx.Err() != nil:
		x.canceled = true
	case errors.Is(runCtx.Err(), context.DeadlineExceeded):
		x.timedOut = true
		x.exitCode = -1
	}
	return x
}

// summary is the end of a progress line.
func (x execResult) summary(timeout time.Duration) string {
	if x.timedOut {
		return x.failure(timeout)
	}
	d := fmt.Sprintf("%.1fs", x.duration.Seconds())
	if f := x.failure(timeout); f != "" {
		return d + ", " + f
	}
	if x.exitCode != 0 {
		return fmt.Sprintf("%s, exit status %d", d, x.exitCode)
	}
	return d
}

// failure says why an execution is an infrastructure error whatever the
// suite's kind, or "" when it is not one by itself.
func (x execResult) failure(timeout time.Duration) string {
	switch {
	case x.startErr != nil:
		return fmt.Sprintf("could not start: %v", x.startErr)
	case x.timedOut:
		return fmt.Sprintf("timed out after %s", timeout)
	case x.signal != "":
		return "killed by signal " + x.signal
	case x.exitCode == 127:
		return "command not found (exit status 127)"
	case x.exitCode == 126:
		return "command not executable (exit status 126)"
	}
	return ""
}

// tailOfFile returns the last n lines of a file, reading at most its last
// 256 KiB.
func tailOfFile(path string, n int) []string {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	const max = 256 << 10
	if st, err := f.Stat(); err == nil && st.Size() > max {
		if _, err := f.Seek(-max, io.SeekEnd); err != nil {
			return nil
		}
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return nil
	}
	text := strings.TrimRight(string(data), "\n")
	if text == "" {
		return nil
	}
	lines := strings.Split(text, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, "\r")
	}
	return lines
}

// withPlatform gives a result that does not say where it ran (a program
// other than go test printed it) the goos and goarch of this machine, as
// file configuration. Baselines record them for such results too
// (baseline.Write), so without them the same benchmark would be one row in
// the baseline and another in the run, never compared.
func withPlatform(r *benchfmt.Result) {
	for _, kv := range [...][2]string{{"goos", runtime.GOOS}, {"goarch", runtime.GOARCH}} {
		// Not GetConfig: it builds an index of the configuration, two
		// allocations for each of the thousands of results of a run.
		if slices.ContainsFunc(r.Config, func(c benchfmt.Config) bool { return c.Key == kv[0] }) {
			continue
		}
		r.SetConfig(kv[0], kv[1])
		if i, ok := r.ConfigIndex(kv[0]); ok {
			r.Config[i].File = true
		}
	}
}
