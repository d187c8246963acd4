package gate_test

import (
	"regexp"
	"testing"

	"github.com/perfgate/perfgate/gate"
)

func TestDecide(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		report  gate.Report
		failOn  gate.FailOn
		verdict gate.Verdict
		reasons int
	}{
		{"empty passes", gate.Report{}, gate.DefaultFailOn(), gate.Pass, 0},
		{"regression fails", gate.Report{Comparisons: []gate.Comparison{{Status: gate.StatusRegression}}}, gate.DefaultFailOn(), gate.Fail, 1},
		{"regression ignored", gate.Report{Comparisons: []gate.Comparison{{Status: gate.StatusRegression}}}, gate.FailOn{Target: true, Test: true}, gate.Pass, 0},
		{"improvement passes", gate.Report{Comparisons: []gate.Comparison{{Status: gate.StatusImprovement}}}, gate.DefaultFailOn(), gate.Pass, 0},
		{"breach fails", gate.Report{Targets: []gate.TargetResult{{Status: gate.TargetFail}}}, gate.DefaultFailOn(), gate.Fail, 1},
		{"warn passes", gate.Report{Targets: []gate.TargetResult{{Status: gate.TargetWarn}}}, gate.DefaultFailOn(), gate.Pass, 0},
		{"test failure fails", gate.Report{TestFailures: []gate.TestFailure{{Test: "TestX"}}}, gate.DefaultFailOn(), gate.Fail, 1},
		{"all three", gate.Report{
			Comparisons:  []gate.Comparison{{Status: gate.StatusRegression}, {Status: gate.StatusRegression}},
			Targets:      []gate.TargetResult{{Status: gate.TargetFail}},
			TestFailures: []gate.TestFailure{{Test: "TestX"}},
		}, gate.DefaultFailOn(), gate.Fail, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := tt.report
			r.Decide(tt.failOn)
			if r.Verdict != tt.verdict || len(r.Reasons) != tt.reasons {
				t.Errorf("Decide = %s %q, want %s with %d reasons", r.Verdict, r.Reasons, tt.verdict, tt.reasons)
			}
		})
	}
}

func TestShouldComment(t *testing.T) {
	t.Parallel()
	quiet := &gate.Report{Verdict: gate.Pass, Comparisons: []gate.Comparison{{Status: gate.StatusUnchanged}}}
	changed := &gate.Report{Verdict: gate.Pass, Comparisons: []gate.Comparison{{Status: gate.StatusImprovement}}}
	failed := &gate.Report{Verdict: gate.Fail, Comparisons: []gate.Comparison{{Status: gate.StatusRegression}}}
	tests := []struct {
		mode   gate.CommentMode
		r      *gate.Report
		exists bool
		want   bool
	}{
		{gate.CommentAlways, quiet, false, true},
		{gate.CommentNever, failed, true, false},
		{gate.CommentChanged, quiet, false, false},
		{gate.CommentChanged, quiet, true, true},
		{gate.CommentChanged, changed, false, true},
		{gate.CommentAlert, changed, false, false},
		{gate.CommentAlert, failed, false, true},
		{gate.CommentAlert, quiet, true, true},
	}
	for _, tt := range tests {
		if got := tt.r.ShouldComment(tt.mode, tt.exists); got != tt.want {
			t.Errorf("ShouldComment(%s, verdict %s, exists %v) = %v, want %v", tt.mode, tt.r.Verdict, tt.exists, got, tt.want)
		}
	}
}

func TestThresholdFor(t *testing.T) {
	t.Parallel()
	c := gate.Config{Thresholds: []gate.ThresholdRule{
		{Benchmark: regexp.MustCompile(`^Search`), Metric: "p99-ns/op", Threshold: 0.25},
		{Benchmark: regexp.MustCompile(`^Search`), Threshold: 0.15},
	}}.WithDefaults()
	for _, tt := range []struct {
		bench string
		units []string
		want  float64
	}{
		{"SearchCode", []string{"p99-ns/op", "p99-sec/op"}, 0.25},
		{"SearchCode", []string{"ns/op", "sec/op"}, 0.15},
		{"Index", []string{"ns/op", "sec/op"}, gate.DefaultThreshold},
	} {
		if got := c.ThresholdFor(tt.bench, tt.units...); got != tt.want {
			t.Errorf("ThresholdFor(%q, %q) = %v, want %v", tt.bench, tt.units, got, tt.want)
		}
	}
}

func TestSuiteForProfile(t *testing.T) {
	t.Parallel()
	s := gate.Suite{Name: "search", Env: map[string]string{"N": "10000", "K": "1"}, Profiles: map[string]gate.Profile{
		"quick": {Env: map[string]string{"N": "100"}, Count: 1},
	}}.WithDefaults()
	q := s.ForProfile("quick")
	if q.Env["N"] != "100" || q.Env["K"] != "1" || s.Env["N"] != "10000" {
		t.Errorf("ForProfile env = %v (original %v)", q.Env, s.Env)
	}
	if got := s.ForProfile("missing"); got.Env["N"] != "10000" {
		t.Errorf("unknown profile changed the suite: %v", got.Env)
	}
}
