package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/perfgate/perfgate/gate"
)

// Text writes r for a terminal, as `perfgate dry-run` prints it: one table
// of every comparison with regressions first, the targets, failing tests,
// warnings and the environment, then the verdict as the last line.
func Text(w io.Writer, r *gate.Report) error {
	ew := &errWriter{w: w}
	alpha := alphaOf(r)
	ew.printf("perfgate: %s (α = %g after Benjamini–Hochberg)\n", summary(r), alpha)
	if anyPaired(r) {
		ew.printf("paired (n): n pairs of samples, base and head measured back to back, compared by a paired t-test\n")
	}

	if len(r.Comparisons) > 0 {
		ew.printf("\nCOMPARISONS\n")
		g := &grid{aligns: []align{left, left, left, right, right, right, right, right}}
		g.add("status", "benchmark", "unit", "old", "new", "delta", "threshold", "p (BH)")
		for _, c := range bySeverity(r.Comparisons) {
			fr := formatRow(c, alpha)
			d := "—"
			if c.Old != nil && c.New != nil {
				d = pct(c.Delta)
			}
			g.add(string(c.Status), name(c), c.Unit, fr.old(), fr.new(), d, threshold(c.Threshold), pcell(c))
		}
		ew.grid(g, "  ")
	}

	if len(r.Targets) > 0 {
		ew.printf("\nTARGETS\n")
		g := &grid{aligns: []align{left, left, left, right, right, right, right}}
		g.add("status", "target", "benchmark", "value", "CI bound", "limit", "margin")
		for i := range r.Targets {
			t := &r.Targets[i]
			g.add(string(t.Status), t.Target, targetName(t), valueUnit(t.Value, t.Unit), boundString(t), value(t.Limit, t.Unit), pct(t.Margin))
		}
		ew.grid(g, "  ")
	}

	if len(r.TestFailures) > 0 {
		ew.printf("\nFAILING TESTS\n")
		for _, f := range r.TestFailures {
			ew.printf("  %s: %s %s\n", f.Suite, f.Package, f.Test)
			for _, l := range strings.Split(strings.TrimRight(f.Output, "\n"), "\n") {
				ew.printf("      %s\n", l)
			}
		}
	}

	warnings := allWarnings(r)
	if len(warnings) > 0 {
		ew.printf("\nWARNINGS\n")
		for _, w := range warnings {
			ew.printf("  - %s\n", w)
		}
	}

	ew.printf("\nENVIRONMENT\n")
	g := &grid{}
	for _, kv := range environment(r) {
		g.add(kv[0]+":", kv[1])
	}
	ew.grid(g, "  ")
	if note := cpuNote(r); note != "" {
		ew.printf("  note: %s\n", note)
	}

	ew.printf("\nverdict: %s — %s\n", strings.ToUpper(string(verdictOf(r))), headline(r))
	return ew.err
}

func verdictOf(r *gate.Report) gate.Verdict {
	if r.Verdict == "" {
		return gate.Pass
	}
	return r.Verdict
}

// boundString is the good-side bound of a target's interval, with the
// side it bounds: "≥ 480.2µ" for an upper limit (the lowest plausible
// value), "≤ 1.2k" for a lower one.
func boundString(t *gate.TargetResult) string {
	if t.Status == gate.TargetMissing {
		return "—"
	}
	if t.Op == gate.AtLeast {
		return "≤ " + value(t.Bound, t.Unit)
	}
	return "≥ " + value(t.Bound, t.Unit)
}

func baselineKind(r *gate.Report) string {
	if r.Environment.Baseline != "" {
		return r.Environment.Baseline
	}
	return "the baseline"
}

// allWarnings are the run-wide warnings followed by the comparisons'
// warnings, each message once with the rows it concerns.
func allWarnings(r *gate.Report) []string {
	out := append([]string(nil), r.Warnings...)
	for _, g := range comparisonWarnings(r.Comparisons) {
		out = append(out, g.String())
	}
	return out
}

// environment lists the known facts about where the run happened.
func environment(r *gate.Report) [][2]string {
	e := r.Environment
	var out [][2]string
	add := func(k, v string) {
		if v != "" {
			out = append(out, [2]string{k, v})
		}
	}
	add("CPU", e.CPU)
	if e.BaselineCPU != "" && e.BaselineCPU != e.CPU {
		add("Baseline CPU", e.BaselineCPU+" (differs: timings are not comparable)")
	}
	add("Go", e.GoVersion)
	if e.GOOS != "" || e.GOARCH != "" {
		add("OS/arch", strings.Trim(e.GOOS+"/"+e.GOARCH, "/"))
	}
	var commits []string
	if e.HeadCommit != "" {
		commits = append(commits, "head "+e.HeadCommit)
	}
	if e.BaseCommit != "" {
		commits = append(commits, "base "+e.BaseCommit)
	}
	add("Commits", strings.Join(commits, ", "))
	add("Postgres", e.Provider)
	add("Baseline", e.Baseline)
	add("Profile", e.Profile)
	for _, s := range r.Suites {
		v := fmt.Sprintf("%s, %s", s.Kind, plural(s.Runs, "run", "runs"))
		if s.Kind != gate.KindTest || s.Results > 0 {
			v += ", " + plural(s.Results, "result", "results")
		}
		if s.Kind == gate.KindTest {
			v += fmt.Sprintf(", tests: %d passed, %d failed, %d skipped", s.TestsPassed, s.TestsFailed, s.TestsSkipped)
		}
		if s.Duration > 0 {
			v += ", " + s.Duration.Round(1e7).String()
		}
		add("Suite "+s.Name, v)
	}
	if r.Duration > 0 {
		add("Duration", r.Duration.Round(1e7).String())
	}
	return out
}

// cpuNote annotates a comparison across different cpus.
func cpuNote(r *gate.Report) string {
	e := r.Environment
	if e.BaselineCPU == "" || e.BaselineCPU == e.CPU {
		return ""
	}
	return fmt.Sprintf("the baseline was measured on a different CPU (%s); timings across machines are not comparable", e.BaselineCPU)
}

// errWriter keeps the first write error so renderers can write freely and
// check once.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}

func (e *errWriter) write(s string) {
	if e.err == nil {
		_, e.err = io.WriteString(e.w, s)
	}
}

func (e *errWriter) grid(g *grid, indent string) {
	if e.err == nil {
		e.err = g.write(e.w, indent)
	}
}
