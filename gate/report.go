package gate

import (
	"math"
	"strconv"
	"time"
)

// Direction says which way a unit improves.
type Direction int

const (
	// LowerIsBetter is the default: times, bytes, allocations, errors.
	LowerIsBetter Direction = -1
	// HigherIsBetter applies to rates (units ending in /s) and units
	// declared `better=higher`.
	HigherIsBetter Direction = +1
)

// Status classifies one comparison.
type Status string

const (
	// StatusRegression is a significant change in the bad direction
	// beyond the threshold.
	StatusRegression Status = "regression"
	// StatusImprovement is a significant change in the good direction
	// beyond the threshold.
	StatusImprovement Status = "improvement"
	// StatusChanged is a significant change within the threshold.
	StatusChanged Status = "changed"
	// StatusUnchanged is no significant change.
	StatusUnchanged Status = "unchanged"
	// StatusNew is a benchmark and unit with no baseline.
	StatusNew Status = "new"
	// StatusMissing is a baseline benchmark and unit absent from the new
	// results.
	StatusMissing Status = "missing"
)

// Stat summarizes one side of a comparison in the tidied unit.
type Stat struct {
	// Center is the median (or the exact value for assume=exact units).
	Center float64 `json:"center"`
	// Lo and Hi bound the confidence interval of Center.
	Lo float64 `json:"lo"`
	Hi float64 `json:"hi"`
	// Confidence is the actual confidence level of [Lo, Hi].
	Confidence float64 `json:"confidence"`
	// N is the number of samples.
	N int `json:"n"`
	// Values are the samples, ascending.
	Values []float64 `json:"values,omitempty"`
	// Warnings are benchmath's and ours, such as too few samples.
	Warnings []string `json:"warnings,omitempty"`
}

// Spread is the half-width of the confidence interval relative to the
// center: how noisy the benchmark was. It is NaN when undefined.
func (s *Stat) Spread() float64 {
	if s == nil || s.Center == 0 {
		return math.NaN()
	}
	return math.Max(s.Hi-s.Center, s.Center-s.Lo) / math.Abs(s.Center)
}

// Comparison is one benchmark and unit, baseline against new results.
type Comparison struct {
	Suite     string `json:"suite"`
	Benchmark string `json:"benchmark"`
	// Config holds the configuration keys that distinguish otherwise
	// identical rows (benchstat's table key), empty when there is one.
	Config string `json:"config,omitempty"`
	// Unit is the tidied unit, as benchstat prints it (sec/op).
	Unit string `json:"unit"`
	// OrigUnit is the unit as written in the results (ns/op).
	OrigUnit string    `json:"orig_unit"`
	Better   Direction `json:"better"`
	// Exact is set for assume=exact units, compared without statistics.
	Exact bool  `json:"exact,omitempty"`
	Old   *Stat `json:"old,omitempty"`
	New   *Stat `json:"new,omitempty"`
	// Delta is the change the gate judges: (new-old)/old of the centers
	// (±Inf when only the old center is 0, NaN for new and missing
	// benchmarks), or for a Paired comparison the paired estimate.
	Delta float64 `json:"delta"`
	// P is the Mann-Whitney U p-value, exactly as benchstat prints it.
	P float64 `json:"p"`
	// Paired is set when the samples were measured in pairs, base and head
	// back to back (a --base-ref run), and compared as such.
	Paired *PairedTest `json:"paired,omitempty"`
	// PAdjusted is the p-value that decides, Paired.P when set and P
	// otherwise, after the Benjamini-Hochberg correction across every
	// comparison of the run.
	PAdjusted   float64  `json:"p_adjusted"`
	Significant bool     `json:"significant"`
	Threshold   float64  `json:"threshold"`
	Status      Status   `json:"status"`
	Warnings    []string `json:"warnings,omitempty"`
}

// PairedTest is a paired comparison: sample i of the old side and sample i
// of the new one were measured back to back, so they share the machine's
// state of that moment, and the ratio new/old of each pair is free of the
// drift that both sides' samples spread over. The test is a paired t-test
// on the log-ratios (go-moremath), the change their geometric mean.
type PairedTest struct {
	// N is the number of pairs.
	N int `json:"n"`
	// Delta is the geometric mean of the ratios new/old, minus 1.
	Delta float64 `json:"delta"`
	// P is the t-test's two-sided p-value, before correction.
	P float64 `json:"p"`
}

// Worse reports whether the change from old to new is in the bad direction.
func (c *Comparison) Worse() bool {
	return float64(c.Better)*c.Delta < 0
}

// TargetStatus is the outcome of one target on one benchmark.
type TargetStatus string

const (
	TargetPass TargetStatus = "pass"
	// TargetWarn: the confidence interval straddles the limit.
	TargetWarn TargetStatus = "warn"
	// TargetFail: even the good-side bound of the confidence interval is
	// past the limit.
	TargetFail TargetStatus = "fail"
	// TargetMissing: no result matched the target.
	TargetMissing TargetStatus = "missing"
)

// TargetResult is one target checked against one benchmark's new results.
type TargetResult struct {
	Target    string   `json:"target"`
	Suite     string   `json:"suite,omitempty"`
	Benchmark string   `json:"benchmark,omitempty"`
	Unit      string   `json:"unit"`
	Op        TargetOp `json:"op"`
	Limit     float64  `json:"limit"`
	// Value is the center of the new results.
	Value float64 `json:"value"`
	Lo    float64 `json:"lo"`
	Hi    float64 `json:"hi"`
	// Bound is the good-side bound of the confidence interval: Lo for an
	// upper limit, Hi for a lower limit.
	Bound float64 `json:"bound"`
	// Margin is the room left between the bad-side bound and the limit,
	// relative to the limit: positive when the target holds.
	Margin float64      `json:"margin"`
	Status TargetStatus `json:"status"`
}

// TestFailure is a failing test of a `test` suite.
type TestFailure struct {
	Suite   string `json:"suite"`
	Package string `json:"package"`
	Test    string `json:"test"`
	// Output is the test's own output, trimmed to its tail.
	Output string `json:"output"`
}

// SuiteResult records what running one suite produced.
type SuiteResult struct {
	Name string    `json:"name"`
	Kind SuiteKind `json:"kind"`
	// Runs is how many times its command ran (per side under --base-ref).
	Runs     int           `json:"runs"`
	Duration time.Duration `json:"duration_ns"`
	// Outputs are the raw output files, relative to the output directory.
	Outputs      []string `json:"outputs,omitempty"`
	Results      int      `json:"results"`
	TestsPassed  int      `json:"tests_passed,omitempty"`
	TestsFailed  int      `json:"tests_failed,omitempty"`
	TestsSkipped int      `json:"tests_skipped,omitempty"`
	Warnings     []string `json:"warnings,omitempty"`
}

// Environment describes where the results were measured.
type Environment struct {
	GOOS       string `json:"goos"`
	GOARCH     string `json:"goarch"`
	CPU        string `json:"cpu"`
	GoVersion  string `json:"go_version"`
	Provider   string `json:"provider,omitempty"`
	HeadCommit string `json:"head_commit,omitempty"`
	BaseCommit string `json:"base_commit,omitempty"`
	// Baseline says what the new results were compared with:
	// "committed baselines" or "base-ref <ref>".
	Baseline string `json:"baseline"`
	// BaselineCPU is the cpu recorded in the baseline when it differs
	// from CPU; such comparisons are annotated.
	BaselineCPU string `json:"baseline_cpu,omitempty"`
	Profile     string `json:"profile,omitempty"`
}

// Verdict is the gate's decision.
type Verdict string

const (
	Pass Verdict = "pass"
	Fail Verdict = "fail"
)

// Report is everything a run found, ready to render.
type Report struct {
	Verdict Verdict `json:"verdict"`
	// Reasons say why the verdict is Fail, one line per finding class.
	Reasons      []string       `json:"reasons,omitempty"`
	Alpha        float64        `json:"alpha"`
	Suites       []SuiteResult  `json:"suites,omitempty"`
	Comparisons  []Comparison   `json:"comparisons"`
	Targets      []TargetResult `json:"targets,omitempty"`
	TestFailures []TestFailure  `json:"test_failures,omitempty"`
	// Warnings are run-wide: parse errors with file:line, too few
	// samples, a cpu mismatch with the baseline.
	Warnings    []string    `json:"warnings,omitempty"`
	Environment Environment `json:"environment"`
	// Duration is the wall time of the whole run.
	Duration time.Duration `json:"duration_ns,omitempty"`
}

// Regressions returns the comparisons whose status is StatusRegression.
func (r *Report) Regressions() []Comparison { return r.withStatus(StatusRegression) }

// Improvements returns the comparisons whose status is StatusImprovement.
func (r *Report) Improvements() []Comparison { return r.withStatus(StatusImprovement) }

func (r *Report) withStatus(s Status) []Comparison {
	var out []Comparison
	for _, c := range r.Comparisons {
		if c.Status == s {
			out = append(out, c)
		}
	}
	return out
}

// Breaches returns the targets that failed.
func (r *Report) Breaches() []TargetResult {
	var out []TargetResult
	for _, t := range r.Targets {
		if t.Status == TargetFail {
			out = append(out, t)
		}
	}
	return out
}

// Decide sets Verdict and Reasons from the findings and what fails the job.
// Warnings never fail the job by themselves.
func (r *Report) Decide(failOn FailOn) {
	r.Reasons = nil
	if n := len(r.Regressions()); n > 0 && failOn.Regression {
		r.Reasons = append(r.Reasons, plural(n, "regression", "regressions"))
	}
	if n := len(r.Breaches()); n > 0 && failOn.Target {
		r.Reasons = append(r.Reasons, plural(n, "target breached", "targets breached"))
	}
	if n := len(r.TestFailures); n > 0 && failOn.Test {
		r.Reasons = append(r.Reasons, plural(n, "failing test", "failing tests"))
	}
	r.Verdict = Pass
	if len(r.Reasons) > 0 {
		r.Verdict = Fail
	}
}

// Noteworthy reports whether the report has anything beyond "nothing
// changed": a significant change, a new or missing benchmark, a target that
// did not pass, or a failing test.
func (r *Report) Noteworthy() bool {
	for _, c := range r.Comparisons {
		if c.Status != StatusUnchanged {
			return true
		}
	}
	for _, t := range r.Targets {
		if t.Status != TargetPass {
			return true
		}
	}
	return len(r.TestFailures) > 0 || r.Verdict == Fail
}

// ShouldComment decides whether to create (exists false) or update (exists
// true) the PR comment under mode.
func (r *Report) ShouldComment(mode CommentMode, exists bool) bool {
	switch mode {
	case CommentAlways:
		return true
	case CommentChanged:
		return exists || r.Noteworthy()
	case CommentAlert:
		return exists || r.Verdict == Fail
	}
	return false
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
