package gate

import (
	"fmt"
	"regexp"
	"time"
)

// Defaults of a Config. A zero field of a Config read from perfgate.yml is
// replaced by these by Config.WithDefaults.
const (
	DefaultAlpha        = 0.05
	DefaultThreshold    = 0.10
	DefaultSuiteTimeout = 10 * time.Minute
	DefaultBaselineDir  = "baselines"
	DefaultProvider     = "auto"
	DefaultCommentMode  = CommentChanged
)

// Config is a repository's gate configuration, read from perfgate.yml.
type Config struct {
	// Suites are run in order. Their names are unique.
	Suites []Suite
	// Postgres names the provider that starts the database the suites
	// use: auto, url, docker, local, or none.
	Postgres string
	// Alpha is the significance level applied to p-values after the
	// Benjamini-Hochberg correction across all comparisons of a run.
	Alpha float64
	// Threshold is the default relative change (0.10 = 10%) in the bad
	// direction beyond which a significant change is a regression.
	Threshold float64
	// Thresholds override Threshold for matching benchmarks and metrics;
	// the first matching rule wins.
	Thresholds []ThresholdRule
	// Targets are absolute limits checked on the new results.
	Targets []Target
	// Comment says when a PR comment is created or updated.
	Comment CommentMode
	// FailOn says which findings fail the job.
	FailOn FailOn
	// Baselines is the directory of committed baselines, relative to the
	// configuration file.
	Baselines string
}

// WithDefaults returns a copy of c with every zero field set to its default.
func (c Config) WithDefaults() Config {
	if c.Postgres == "" {
		c.Postgres = DefaultProvider
	}
	if c.Alpha == 0 {
		c.Alpha = DefaultAlpha
	}
	if c.Threshold == 0 {
		c.Threshold = DefaultThreshold
	}
	if c.Comment == "" {
		c.Comment = DefaultCommentMode
	}
	if c.FailOn == (FailOn{}) {
		c.FailOn = DefaultFailOn()
	}
	if c.Baselines == "" {
		c.Baselines = DefaultBaselineDir
	}
	suites := make([]Suite, len(c.Suites))
	for i, s := range c.Suites {
		suites[i] = s.WithDefaults()
	}
	c.Suites = suites
	return c
}

// ThresholdFor returns the regression threshold for a benchmark and unit.
// Rules match the benchmark's full name and either the unit as written in
// the results or its tidied form (ns/op is tidied to sec/op).
func (c *Config) ThresholdFor(benchmark string, units ...string) float64 {
	for _, r := range c.Thresholds {
		if r.Matches(benchmark, units...) {
			return r.Threshold
		}
	}
	return c.Threshold
}

// Suite returns the suite with the given name.
func (c *Config) Suite(name string) (Suite, bool) {
	for _, s := range c.Suites {
		if s.Name == name {
			return s, true
		}
	}
	return Suite{}, false
}

// SuiteKind says how a suite's output is read.
type SuiteKind string

const (
	// KindBench suites print Go benchmark format.
	KindBench SuiteKind = "bench"
	// KindTest suites print `go test -json`; failing tests are findings.
	// Benchmark lines in their output are read as results too.
	KindTest SuiteKind = "test"
)

// Suite is one command whose output the gate reads.
type Suite struct {
	Name string
	// Run is a shell command, run by `sh -c` in the repository root.
	// Exactly one of Run and Go is set.
	Run string
	// Go, instead of Run, has perfgate run Go benchmarks itself, one
	// benchmark at a time (GoBench).
	Go *GoBench
	// Env is added to the environment of Run, after DATABASE_URL and
	// TEST_DATABASE_URL.
	Env map[string]string
	// Count is how many times Run is executed. Samples taken in separate
	// processes are independent of one process's luck, so several runs
	// make comparisons sounder than a larger -count alone. Default 1.
	Count int
	// Timeout bounds each execution of Run. Default 10m.
	Timeout time.Duration
	Kind    SuiteKind
	// Profiles override Env, Count and Timeout for a named profile, as
	// selected by `perfgate dry-run --profile NAME`.
	Profiles map[string]Profile
}

// GoBench is a suite of Go benchmarks that perfgate runs itself: it builds
// each package's test binary once (go test -c) and runs it once per
// benchmark and round, -test.count 1. Each of the suite's Count rounds thus
// takes one sample of every benchmark, every sample in a process of its
// own. Under --base-ref the two sides' samples of a benchmark are taken
// back to back, in alternating order (base, head; head, base; …), so
// that each pair shares the machine's state of that second and a
// paired test can compare them.
type GoBench struct {
	// Packages are the package patterns, as go test takes them
	// (./gate/...). Packages without test files are skipped.
	Packages []string
	// Bench selects benchmarks as go test's -bench does. Default ".".
	Bench string
	// Skip leaves out tests and benchmarks as go test's -skip does.
	Skip string
	// Benchtime is go test's -benchtime (1s, 100x). Default: go test's.
	Benchtime string
	// Benchmem adds memory allocation statistics (-benchmem).
	Benchmem bool
}

// Profile overrides parts of a Suite.
type Profile struct {
	Env     map[string]string
	Count   int
	Timeout time.Duration
}

// WithDefaults returns s with zero fields set to their defaults.
func (s Suite) WithDefaults() Suite {
	if s.Count == 0 {
		s.Count = 1
	}
	if s.Timeout == 0 {
		s.Timeout = DefaultSuiteTimeout
	}
	if s.Kind == "" {
		s.Kind = KindBench
	}
	return s
}

// ForProfile returns s with the named profile's overrides applied. An empty
// name or a profile the suite does not define leaves s unchanged.
func (s Suite) ForProfile(name string) Suite {
	p, ok := s.Profiles[name]
	if name == "" || !ok {
		return s
	}
	if len(p.Env) > 0 {
		env := make(map[string]string, len(s.Env)+len(p.Env))
		for k, v := range s.Env {
			env[k] = v
		}
		for k, v := range p.Env {
			env[k] = v
		}
		s.Env = env
	}
	if p.Count > 0 {
		s.Count = p.Count
	}
	if p.Timeout > 0 {
		s.Timeout = p.Timeout
	}
	return s
}

// ThresholdRule overrides the default threshold for matching results.
type ThresholdRule struct {
	// Benchmark matches the benchmark's full name; nil matches all.
	Benchmark *regexp.Regexp
	// Metric is a unit, as written in results (p95-ns/op) or tidied
	// (p95-sec/op); empty matches all.
	Metric    string
	Threshold float64
}

// Matches reports whether the rule applies to benchmark measured in any of
// units.
func (r ThresholdRule) Matches(benchmark string, units ...string) bool {
	if r.Benchmark != nil && !r.Benchmark.MatchString(benchmark) {
		return false
	}
	if r.Metric == "" {
		return true
	}
	for _, u := range units {
		if u == r.Metric {
			return true
		}
	}
	return false
}

// TargetOp is the direction of an absolute target.
type TargetOp string

const (
	// AtMost targets are upper limits: value <= limit.
	AtMost TargetOp = "<="
	// AtLeast targets are lower limits: value >= limit.
	AtLeast TargetOp = ">="
)

// Target is an absolute limit on the new results of matching benchmarks.
type Target struct {
	// Benchmark matches the benchmark's full name.
	Benchmark *regexp.Regexp
	// Metric is the unit as written in results, e.g. p95-ns/op.
	Metric string
	Op     TargetOp
	// Limit is in the tidied unit of Metric (benchunit.Tidy): a target of
	// 500ms on p95-ns/op has Limit 0.5 on p95-sec/op.
	Limit float64
	// Text is the target as written in the configuration, for reports.
	Text string
}

func (t Target) String() string {
	if t.Text != "" {
		return t.Text
	}
	return fmt.Sprintf("%s %s %s %g", t.Benchmark, t.Metric, t.Op, t.Limit)
}

// CommentMode says when the gate creates or updates its PR comment.
type CommentMode string

const (
	// CommentAlways posts on every run.
	CommentAlways CommentMode = "always"
	// CommentChanged posts when anything changed significantly, a target
	// was breached or warned, or a test failed, and always updates a
	// comment that already exists so it is never stale.
	CommentChanged CommentMode = "changed"
	// CommentAlert posts only when the gate fails, and updates an
	// existing comment.
	CommentAlert CommentMode = "alert"
	// CommentNever never comments; the step summary is still written.
	CommentNever CommentMode = "never"
)

// Valid reports whether m is one of the defined modes.
func (m CommentMode) Valid() bool {
	switch m {
	case CommentAlways, CommentChanged, CommentAlert, CommentNever:
		return true
	}
	return false
}

// FailOn says which findings fail the job.
type FailOn struct {
	Regression bool
	Target     bool
	Test       bool
}

// DefaultFailOn fails on every kind of finding.
func DefaultFailOn() FailOn { return FailOn{Regression: true, Target: true, Test: true} }

// CommentMarker is the hidden first line of the gate's PR comment: the
// report renders it and the GitHub adapter finds its own comment by it.
const CommentMarker = "<!-- perfgate:report -->"
