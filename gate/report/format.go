package report

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"

	"golang.org/x/perf/benchmath"
	"golang.org/x/perf/benchunit"

	"github.com/perfgate/perfgate/gate"
)

// row holds one comparison formatted as benchstat formats it: both centers
// on the row's common scale, the confidence intervals as percentages, the
// delta ("~" when the raw p-value is above alpha) and the test summary.
type row struct {
	c *gate.Comparison
	// old and new are "center ± ci", empty for a missing side.
	oldCenter, oldCI string
	newCenter, newCI string
	// delta and test are benchstat's "vs base" cells; empty unless both
	// sides exist.
	delta, test string
}

func alphaOf(r *gate.Report) float64 {
	if r.Alpha > 0 {
		return r.Alpha
	}
	return gate.DefaultAlpha
}

func formatRow(c *gate.Comparison, alpha float64) row {
	var centers []float64
	for _, s := range []*gate.Stat{c.Old, c.New} {
		if s != nil {
			centers = append(centers, s.Center)
		}
	}
	scaler := benchunit.CommonScale(centers, benchunit.ClassOf(c.Unit))
	r := row{c: c}
	if c.Old != nil {
		r.oldCenter, r.oldCI = scaler.Format(c.Old.Center), ciString(c.Old)
	}
	if c.New != nil {
		r.newCenter, r.newCI = scaler.Format(c.New.Center), ciString(c.New)
	}
	if c.Old != nil && c.New != nil {
		bc := benchmathComparison(c, alpha)
		r.delta = bc.FormatDelta(c.Old.Center, c.New.Center)
		r.test = bc.String()
	}
	return r
}

// benchmathComparison rebuilds the benchmath.Comparison benchstat formats.
// For assume=exact units benchstat's P and alpha are both 0, so the delta
// is always shown; P is 0 for them here too, which gives the same result.
func benchmathComparison(c *gate.Comparison, alpha float64) benchmath.Comparison {
	return benchmath.Comparison{P: c.P, N1: c.Old.N, N2: c.New.N, Alpha: alpha}
}

// ciString is benchstat's "± x%" cell: the larger distance from the center
// to a bound of the interval, relative to the center.
func ciString(s *gate.Stat) string {
	return benchmath.Summary{Center: s.Center, Lo: s.Lo, Hi: s.Hi}.PctRangeString()
}

// stat formats one side as "center ± ci", or "—" when it is absent.
func (r row) old() string { return side(r.oldCenter, r.oldCI) }
func (r row) new() string { return side(r.newCenter, r.newCI) }

func side(center, ci string) string {
	if center == "" {
		return "—"
	}
	return center + " ± " + ci
}

// pct formats a relative change such as Delta or Margin: "+12.34%".
func pct(x float64) string {
	switch {
	case math.IsNaN(x):
		return "—"
	case math.IsInf(x, 1):
		return "+∞%"
	case math.IsInf(x, -1):
		return "-∞%"
	}
	return fmt.Sprintf("%+.2f%%", 100*x)
}

// threshold formats a threshold: "10%".
func threshold(x float64) string {
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.2f", 100*x), "0"), ".") + "%"
}

// pvalue formats a p-value as benchstat does (three decimals).
func pvalue(p float64) string {
	if math.IsNaN(p) {
		return "—"
	}
	return fmt.Sprintf("%.3f", p)
}

// anyPaired reports whether a comparison of r was decided by the paired
// test.
func anyPaired(r *gate.Report) bool {
	for i := range r.Comparisons {
		if r.Comparisons[i].Paired != nil {
			return true
		}
	}
	return false
}

// pcell is a comparison's "p (BH)" cell: the adjusted p-value, "exact"
// for units compared without statistics, and marked "paired" when it is
// the paired test's (gate.PairedTest), whose pairs are then counted.
func pcell(c *gate.Comparison) string {
	switch {
	case c.Old == nil || c.New == nil:
		return "—"
	case c.Exact:
		return "exact"
	case c.Paired != nil:
		return fmt.Sprintf("%s paired (%d)", pvalue(c.PAdjusted), c.Paired.N)
	}
	return pvalue(c.PAdjusted)
}

// noise is the spread of each side's confidence interval: "±3% / ±5%".
func noise(r row) string {
	var parts []string
	for _, ci := range []string{r.oldCI, r.newCI} {
		if ci != "" {
			parts = append(parts, "±"+ci)
		}
	}
	if len(parts) == 0 {
		return "—"
	}
	return strings.Join(parts, " / ")
}

// value formats a target's number in its unit with benchstat's scaling:
// "512.3µ sec/op".
func value(x float64, unit string) string {
	if math.IsNaN(x) {
		return "—"
	}
	if math.IsInf(x, 0) {
		if x > 0 {
			return "+∞"
		}
		return "-∞"
	}
	return benchunit.Scale(x, benchunit.ClassOf(unit))
}

// valueUnit is value followed by the unit, when there is a value.
func valueUnit(x float64, unit string) string {
	v := value(x, unit)
	if v == "—" {
		return v
	}
	return v + " " + unit
}

// name is a comparison's row label: suite, configuration and benchmark.
func name(c *gate.Comparison) string {
	var b strings.Builder
	if c.Suite != "" {
		b.WriteString(c.Suite)
		b.WriteString(": ")
	}
	b.WriteString(c.Benchmark)
	if c.Config != "" {
		b.WriteString(" [")
		b.WriteString(c.Config)
		b.WriteString("]")
	}
	return b.String()
}

// mdName is name for markdown: the benchmark in a code span.
func mdName(c *gate.Comparison) string {
	var b strings.Builder
	if c.Suite != "" {
		b.WriteString(c.Suite + " · ")
	}
	b.WriteString("`" + strings.ReplaceAll(c.Benchmark, "`", "'") + "`")
	if c.Config != "" {
		b.WriteString(" (" + c.Config + ")")
	}
	return cell(b.String())
}

func targetName(t *gate.TargetResult) string {
	if t.Benchmark == "" {
		return "—"
	}
	if t.Suite != "" {
		return t.Suite + ": " + t.Benchmark
	}
	return t.Benchmark
}

// severity orders statuses for the reports: what needs attention first.
var severity = map[gate.Status]int{
	gate.StatusRegression:  0,
	gate.StatusMissing:     1,
	gate.StatusNew:         2,
	gate.StatusImprovement: 3,
	gate.StatusChanged:     4,
	gate.StatusUnchanged:   5,
}

// bySeverity returns the comparisons ordered by status severity, keeping
// the run's order within one status.
func bySeverity(cs []gate.Comparison) []*gate.Comparison {
	out := make([]*gate.Comparison, len(cs))
	for i := range cs {
		out[i] = &cs[i]
	}
	slices.SortStableFunc(out, func(a, b *gate.Comparison) int {
		return cmp.Compare(severity[a.Status], severity[b.Status])
	})
	return out
}

func withStatus(cs []gate.Comparison, s gate.Status) []*gate.Comparison {
	var out []*gate.Comparison
	for i := range cs {
		if cs[i].Status == s {
			out = append(out, &cs[i])
		}
	}
	return out
}

func countStatus(cs []gate.Comparison) map[gate.Status]int {
	n := make(map[gate.Status]int)
	for _, c := range cs {
		n[c.Status]++
	}
	return n
}

// summary is the count line: "12 comparisons against committed baselines:
// 2 regressions, 9 unchanged, 1 new".
func summary(r *gate.Report) string {
	n := countStatus(r.Comparisons)
	var parts []string
	for _, s := range []struct {
		st        gate.Status
		one, many string
	}{
		{gate.StatusRegression, "regression", "regressions"},
		{gate.StatusImprovement, "improvement", "improvements"},
		{gate.StatusChanged, "changed within threshold", "changed within threshold"},
		{gate.StatusUnchanged, "unchanged", "unchanged"},
		{gate.StatusNew, "new", "new"},
		{gate.StatusMissing, "missing", "missing"},
	} {
		if n[s.st] > 0 {
			parts = append(parts, plural(n[s.st], s.one, s.many))
		}
	}
	s := plural(len(r.Comparisons), "comparison", "comparisons") + " against " + baselineKind(r)
	if len(parts) > 0 {
		s += ": " + strings.Join(parts, ", ")
	}
	return s
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// headline is the verdict in words, without decoration:
// "2 regressions, 1 target breached" or "no regressions".
func headline(r *gate.Report) string {
	if r.Verdict == gate.Fail && len(r.Reasons) > 0 {
		return strings.Join(r.Reasons, ", ")
	}
	var notes []string
	if n := len(r.Regressions()); n > 0 {
		notes = append(notes, plural(n, "regression", "regressions")+" (not failing)")
	}
	if n := len(r.Breaches()); n > 0 {
		notes = append(notes, plural(n, "target breached", "targets breached")+" (not failing)")
	}
	if n := len(r.TestFailures); n > 0 {
		notes = append(notes, plural(n, "failing test", "failing tests")+" (not failing)")
	}
	if len(notes) == 0 {
		notes = append(notes, "no regressions")
	}
	if n := len(r.Improvements()); n > 0 {
		notes = append(notes, plural(n, "improvement", "improvements"))
	}
	return strings.Join(notes, ", ")
}

// comparisonWarnings groups the comparisons' warnings: each distinct
// message with the rows it applies to, in order of first appearance.
func comparisonWarnings(cs []gate.Comparison) []warningGroup {
	var out []warningGroup
	idx := make(map[string]int)
	for i := range cs {
		for _, w := range cs[i].Warnings {
			k, ok := idx[w]
			if !ok {
				k = len(out)
				idx[w] = k
				out = append(out, warningGroup{msg: w})
			}
			out[k].rows = append(out[k].rows, name(&cs[i])+" "+cs[i].Unit)
		}
	}
	return out
}

type warningGroup struct {
	msg  string
	rows []string
}

func (g warningGroup) String() string {
	const show = 3
	rows := g.rows
	more := ""
	if len(rows) > show {
		more = fmt.Sprintf(" and %d more", len(rows)-show)
		rows = rows[:show]
	}
	return fmt.Sprintf("%s: %s%s", g.msg, strings.Join(rows, "; "), more)
}

func statusMark(s gate.Status) string {
	switch s {
	case gate.StatusRegression:
		return "❌ regression"
	case gate.StatusImprovement:
		return "✅ improvement"
	case gate.StatusChanged:
		return "changed"
	case gate.StatusNew:
		return "🆕 new"
	case gate.StatusMissing:
		return "⚠️ missing"
	}
	return "unchanged"
}

func targetMark(s gate.TargetStatus) string {
	switch s {
	case gate.TargetFail:
		return "❌ breached"
	case gate.TargetWarn:
		return "⚠️ uncertain"
	case gate.TargetMissing:
		return "⚠️ no result"
	}
	return "✅ met"
}
