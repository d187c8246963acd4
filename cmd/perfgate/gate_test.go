package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/perfgate/perfgate/gate"
)

// gateRepo writes a perfgate.yml whose one suite prints six samples of a
// benchmark, each nanoseconds-per-op value multiplied by $FACTOR.
func gateRepo(t *testing.T, extra string) (dir, cfg string) {
	t.Helper()
	dir = t.TempDir()
	cfg = filepath.Join(dir, "perfgate.yml")
	yml := `postgres: none
suites:
  - name: demo
    run: |
      printf 'goos: linux\ngoarch: amd64\npkg: example.com/demo\n'
      for v in 100 101 102 103 104 105; do
        printf 'BenchmarkWork-2 \t 1000 \t %d ns/op\n' $(( v * ${FACTOR:-1} ))
      done
    timeout: 1m
` + extra
	if err := os.WriteFile(cfg, []byte(yml), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, cfg
}

func envWith(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

func readReport(t *testing.T, out string) *gate.Report {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(out, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	var r gate.Report
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return &r
}

// TestDryRunBaselineRegression goes through the life of a gate: a first run
// with no baseline passes with every benchmark new, `baseline update --from`
// commits its results, the same code passes against them, and a 2x slowdown
// fails with the regression named in comment.md.
func TestDryRunBaselineRegression(t *testing.T) {
	dir, cfg := gateRepo(t, `    profiles:
      quick:
        env: {QUICK: "1"}
`)
	out := filepath.Join(dir, "out")

	code, stdout, stderr := runCLI(t, noEnv, "dry-run", "--config", cfg, "--out", out)
	if code != exitOK {
		t.Fatalf("first dry-run: exit %d\n%s%s", code, stdout, stderr)
	}
	r := readReport(t, out)
	if len(r.Comparisons) != 1 || r.Comparisons[0].Status != gate.StatusNew {
		t.Fatalf("first dry-run: comparisons %+v, want one new benchmark", r.Comparisons)
	}
	if !strings.Contains(stdout, "verdict") {
		t.Errorf("dry-run printed no verdict:\n%s", stdout)
	}
	if !slices.ContainsFunc(r.Warnings, func(w string) bool {
		return strings.HasPrefix(w, "no baseline for suite demo") && strings.HasSuffix(w, "run `perfgate baseline update` and commit it")
	}) {
		t.Errorf("first dry-run: warnings %q do not say how to create the baseline", r.Warnings)
	}
	// With a profile, the command to run names it.
	code, stdout, stderr = runCLI(t, noEnv, "dry-run", "--config", cfg, "--out", out, "--profile", "quick")
	if code != exitOK {
		t.Fatalf("first dry-run --profile quick: exit %d\n%s%s", code, stdout, stderr)
	}
	if w := readReport(t, out).Warnings; !slices.ContainsFunc(w, func(w string) bool {
		return strings.HasSuffix(w, "run `perfgate baseline update --profile quick` and commit it")
	}) {
		t.Errorf("first dry-run --profile quick: warnings %q do not name the profile", w)
	}

	code, stdout, stderr = runCLI(t, noEnv, "baseline", "update", "--config", cfg, "--from", out)
	if code != exitOK {
		t.Fatalf("baseline update: exit %d\n%s%s", code, stdout, stderr)
	}
	base, err := os.ReadFile(filepath.Join(dir, "baselines", "demo.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(base), "BenchmarkWork-2") || !strings.Contains(string(base), "goos: linux") {
		t.Fatalf("baseline lacks the results or the environment:\n%s", base)
	}

	code, stdout, stderr = runCLI(t, noEnv, "dry-run", "--config", cfg, "--out", out)
	if code != exitOK {
		t.Fatalf("unchanged dry-run: exit %d\n%s%s", code, stdout, stderr)
	}
	if r := readReport(t, out); r.Comparisons[0].Status != gate.StatusUnchanged {
		t.Errorf("unchanged dry-run: status %s, want unchanged", r.Comparisons[0].Status)
	}

	t.Setenv("FACTOR", "2")
	code, stdout, stderr = runCLI(t, noEnv, "dry-run", "--config", cfg, "--out", out)
	if code != exitGateFailed {
		t.Fatalf("slowed dry-run: exit %d, want %d\n%s%s", code, exitGateFailed, stdout, stderr)
	}
	comment, err := os.ReadFile(filepath.Join(out, "comment.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(comment), "Work") || !strings.Contains(strings.ToLower(string(comment)), "regression") {
		t.Errorf("comment.md does not name the regression:\n%s", comment)
	}
}

func TestDryRunTargetBreach(t *testing.T) {
	dir, cfg := gateRepo(t, `targets:
  - benchmark: ^Work
    metric: ns/op
    max: 50ns
`)
	out := filepath.Join(dir, "out")
	code, stdout, stderr := runCLI(t, noEnv, "dry-run", "--config", cfg, "--out", out)
	if code != exitGateFailed {
		t.Fatalf("exit %d, want %d\n%s%s", code, exitGateFailed, stdout, stderr)
	}
	r := readReport(t, out)
	if len(r.Breaches()) != 1 {
		t.Errorf("targets %+v, want one breach", r.Targets)
	}
	// --fail-on without target lets the same run pass.
	code, _, stderr = runCLI(t, noEnv, "dry-run", "--config", cfg, "--out", out, "--fail-on", "regression,test")
	if code != exitOK {
		t.Errorf("--fail-on regression,test: exit %d, want 0\n%s", code, stderr)
	}
}

func TestGateErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	malformed := write("malformed.yml", "suites:\n  - name: a\n    run: echo\n    coutn: 3\n")
	crash := write("crash.yml", "postgres: none\nsuites:\n  - name: crashy\n    run: echo about to fail; exit 7\n")
	missing := write("missing.yml", "postgres: none\nsuites:\n  - name: nosuch\n    run: no-such-command-perfgate\n")
	two := write("two.yml", "postgres: none\nsuites:\n  - name: crashy\n    run: exit 7\n  - name: fine\n    run: echo 'BenchmarkFine 1 5 ns/op'\n")
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"malformed config", []string{"dry-run", "--config", malformed}, exitUsage, "malformed.yml:4:5: unknown key \"coutn\""},
		{"missing config", []string{"dry-run", "--config", filepath.Join(dir, "nope.yml")}, exitUsage, "nope.yml"},
		{"bad comment flag", []string{"dry-run", "--config", crash, "--comment", "sometimes"}, exitUsage, "--comment"},
		{"unknown profile", []string{"dry-run", "--config", crash, "--profile", "quick"}, exitUsage, "quick"},
		{"suite crashes", []string{"dry-run", "--config", crash, "--out", filepath.Join(dir, "o1")}, exitInfra, "crashy"},
		{"command missing", []string{"dry-run", "--config", missing, "--out", filepath.Join(dir, "o2")}, exitInfra, "nosuch"},
		{"unknown suite", []string{"dry-run", "--config", two, "--suite", "fine,nope"}, exitUsage, "no suite named nope in the configuration; it has crashy, fine"},
		{"only the suite selected runs", []string{"dry-run", "--config", two, "--suite", "FINE", "--out", filepath.Join(dir, "o3")}, exitOK, "fine"},
		{"the other one crashes", []string{"dry-run", "--config", two, "--out", filepath.Join(dir, "o4")}, exitInfra, "crashy"},
		{"compare one file", []string{"compare", "a.txt"}, exitUsage, "want two files"},
		{"compare missing file", []string{"compare", filepath.Join(dir, "x"), filepath.Join(dir, "y")}, exitUsage, "compare"},
		{"compare bad format", []string{"compare", "--format", "xml", "../../testdata/bench/noise-old.txt", "../../testdata/bench/noise-new.txt"}, exitUsage, "--format"},
		{"baseline no subcommand", []string{"baseline"}, exitUsage, "update"},
		{"comment no body", []string{"comment", "--pr", "1"}, exitUsage, "--body-file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := runCLI(t, noEnv, tt.args...)
			if code != tt.code || !strings.Contains(stdout+stderr, tt.want) {
				t.Errorf("perfgate %q: exit %d\n%s%s\nwant exit %d and %q", tt.args, code, stdout, stderr, tt.code, tt.want)
			}
		})
	}
}

// TestCompareExitCodes is the acceptance of `perfgate compare` on the real
// benchmark outputs in testdata/bench.
func TestCompareExitCodes(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		pair string
		code int
	}{
		{"regression", exitGateFailed},
		{"noise", exitOK},
	} {
		for _, format := range []string{"text", "markdown", "json"} {
			old := filepath.Join("..", "..", "testdata", "bench", tt.pair+"-old.txt")
			new := filepath.Join("..", "..", "testdata", "bench", tt.pair+"-new.txt")
			code, stdout, stderr := runCLI(t, noEnv, "compare", "--format", format, old, new)
			if code != tt.code {
				t.Errorf("compare --format %s on the %s pair: exit %d, want %d\n%s%s", format, tt.pair, code, tt.code, stdout, stderr)
			}
			if stdout == "" {
				t.Errorf("compare --format %s printed nothing", format)
			}
		}
	}
}

func TestCompareThresholdFlag(t *testing.T) {
	t.Parallel()
	old := filepath.Join("..", "..", "testdata", "bench", "regression-old.txt")
	new := filepath.Join("..", "..", "testdata", "bench", "regression-new.txt")
	// Every regression of the pair is far below +1000%.
	code, stdout, stderr := runCLI(t, noEnv, "compare", "--threshold", "1000%", old, new)
	if code != exitOK {
		t.Errorf("--threshold 1000%%: exit %d, want 0\n%s%s", code, stdout, stderr)
	}
	if code, _, _ := runCLI(t, noEnv, "compare", "--threshold", "lots", old, new); code != exitUsage {
		t.Errorf("--threshold lots: exit %d, want %d", code, exitUsage)
	}
}

// TestDryRunCustomProgramBaseline: a program other than go test prints no
// goos or goarch; its results are compared with their baseline (which
// records them) as the same benchmark, not as one new and one missing.
func TestDryRunCustomProgramBaseline(t *testing.T) {
	dir, cfg := gateRepo(t, `  - name: custom
    run: for v in 200 201 202 203 204 205; do printf 'BenchmarkCustom 1 %d req/s\n' $v; done
`)
	out := filepath.Join(dir, "out")
	if code, stdout, stderr := runCLI(t, noEnv, "dry-run", "--config", cfg, "--out", out); code != exitOK {
		t.Fatalf("first dry-run: exit %d\n%s%s", code, stdout, stderr)
	}
	if code, stdout, stderr := runCLI(t, noEnv, "baseline", "update", "--config", cfg, "--from", out); code != exitOK {
		t.Fatalf("baseline update: exit %d\n%s%s", code, stdout, stderr)
	}
	if code, stdout, stderr := runCLI(t, noEnv, "dry-run", "--config", cfg, "--out", out); code != exitOK {
		t.Fatalf("unchanged dry-run: exit %d\n%s%s", code, stdout, stderr)
	}
	for _, c := range readReport(t, out).Comparisons {
		if c.Status != gate.StatusUnchanged {
			t.Errorf("%s %s %s: status %s, want unchanged", c.Suite, c.Benchmark, c.Unit, c.Status)
		}
	}
}

// TestDryRunBaseRefPairs runs both sides of a --base-ref run and compares
// them as pairs. The suite's samples drift by 2x within a run, the same
// on either side, as a shared machine's speed does; the head is 15%
// slower in every pair. Compared as two unpaired samples (Mann-Whitney U),
// 15% is lost in the drift; compared pair by pair it is a regression.
func TestDryRunBaseRefPairs(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	dir := t.TempDir()
	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-c", "user.name=perfgate", "-c", "user.email=perfgate@example.com", "-c", "commit.gpgsign=false"}, args...)...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	write := func(name, text string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// PERCENT is the head's cost relative to the base's, and WOBBLE the
	// noise within a pair, in permille, alternating in sign.
	bench := func(percent int) string {
		return fmt.Sprintf(`printf 'goos: linux\ngoarch: amd64\npkg: example.com/demo\n'
i=0
for v in 1000 1800 1200 2000 1400 1600; do
  i=$((i+1)); w=$(( (i %% 2 * 2 - 1) * 15 ))
  printf 'BenchmarkWork-2 \t 1000 \t %%d ns/op\n' $(( v * %d * (1000 + w) / 100000 ))
done
`, percent)
	}
	write("perfgate.yml", "postgres: none\nsuites:\n  - name: demo\n    run: sh bench.sh\n    count: 2\n")
	write("bench.sh", bench(100))
	git("init", "-q", "-b", "main")
	git("add", ".")
	git("commit", "-q", "-m", "base")
	git("checkout", "-q", "-b", "feature")
	write("bench.sh", bench(115))
	git("commit", "-q", "-am", "15% slower")
	out := filepath.Join(t.TempDir(), "out")

	code, stdout, stderr := runCLI(t, noEnv, "dry-run", "--config", filepath.Join(dir, "perfgate.yml"), "--out", out, "--base-ref", "main")
	if code != exitGateFailed {
		t.Fatalf("dry-run --base-ref: exit %d, want %d\n%s%s", code, exitGateFailed, stdout, stderr)
	}
	r := readReport(t, out)
	if len(r.Comparisons) != 1 {
		t.Fatalf("comparisons = %+v", r.Comparisons)
	}
	c := r.Comparisons[0]
	if c.Paired == nil || c.Paired.N != 12 || c.Status != gate.StatusRegression || c.Delta < 0.14 || c.Delta > 0.16 {
		t.Errorf("comparison = %s, delta %.4f, paired %+v; want a regression of +15%% from 12 pairs", c.Status, c.Delta, c.Paired)
	}
	// benchstat's test on the same samples sees no significant change.
	if c.P < 0.05 {
		t.Errorf("Mann-Whitney U p = %g: the fixture's drift no longer hides the change unpaired", c.P)
	}
	if !strings.Contains(stdout, "paired (12)") {
		t.Errorf("report does not say the comparison was paired:\n%s", stdout)
	}
}
