package compare

import (
	"math"
	"slices"

	"golang.org/x/perf/benchmath"
	"golang.org/x/perf/benchproc"

	"github.com/perfgate/perfgate/gate"
)

// CheckTargets checks absolute targets on the new results of the pairs
// (Old is not read). Every benchmark whose full name matches a target's
// Benchmark and whose unit, as written or tidied, is the target's Metric
// gives one TargetResult, in the order of the targets and then of the
// results. The value checked is the median, and the decision uses its
// confidence interval (opts.Confidence):
//
//   - fail: the good-side bound is past the limit (Lo > Limit for <=,
//     Hi < Limit for >=), so the target is breached even giving the noise
//     the benefit of the doubt;
//   - warn: the interval straddles the limit;
//   - pass: the whole interval is on the good side.
//
// With too few samples for a confidence interval at that level (fewer
// than 6 at 95%), the interval used is the range of the samples: a single
// run of a resilience test still passes a limit it is far from, or fails
// one it is past, and the report's warnings say the samples were too few.
//
// A target that matches nothing gives one result with TargetMissing.
// An error means the options are invalid.
func CheckTargets(pairs []Pair, targets []gate.Target, opts Options) ([]gate.TargetResult, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	type row struct {
		suite, bench, unit, origUnit string
		sum                          benchmath.Summary
	}
	// withRange replaces an interval benchmath could not bound (too few
	// samples) by the samples' range.
	withRange := func(sum benchmath.Summary, s *benchmath.Sample) benchmath.Summary {
		if len(s.Values) > 0 && (math.IsInf(sum.Lo, 0) || math.IsInf(sum.Hi, 0)) {
			sum.Lo, sum.Hi = s.Values[0], s.Values[len(s.Values)-1]
		}
		return sum
	}
	var rows []row
	thresholds := &benchmath.Thresholds{CompareAlpha: opts.Alpha}
	for _, p := range pairs {
		g, err := newGrouping(opts.Ignore)
		if err != nil {
			return nil, err
		}
		g.add(p.New, 1)
		units, _ := mergeUnits(p.Old, p.New)
		keys := make([]benchproc.Key, 0, len(g.tables))
		for k := range g.tables {
			keys = append(keys, k)
		}
		benchproc.SortKeys(keys)
		for _, tk := range keys {
			t := g.tables[tk]
			unit := tk.Get(g.unitField)
			rks := slices.Clone(t.order)
			benchproc.SortKeys(rks)
			for _, rk := range rks {
				c := t.rows[rk]
				s := benchmath.NewSample(c.values[1], thresholds)
				sum := withRange(units.GetAssumption(unit).Summary(s, opts.Confidence), s)
				rows = append(rows, row{p.Suite, rk.StringValues(), unit, c.origUnit, sum})
			}
		}
	}
	var out []gate.TargetResult
	for _, t := range targets {
		matched := false
		for _, r := range rows {
			if r.unit != t.Metric && r.origUnit != t.Metric {
				continue
			}
			if t.Benchmark != nil && !t.Benchmark.MatchString(r.bench) {
				continue
			}
			matched = true
			out = append(out, checkTarget(t, r.suite, r.bench, r.unit, r.sum))
		}
		if !matched {
			nan := math.NaN()
			out = append(out, gate.TargetResult{
				Target: t.String(), Unit: t.Metric, Op: t.Op, Limit: t.Limit,
				Value: nan, Lo: nan, Hi: nan, Bound: nan, Margin: nan,
				Status: gate.TargetMissing,
			})
		}
	}
	return out, nil
}

func checkTarget(t gate.Target, suite, bench, unit string, s benchmath.Summary) gate.TargetResult {
	r := gate.TargetResult{
		Target: t.String(), Suite: suite, Benchmark: bench, Unit: unit,
		Op: t.Op, Limit: t.Limit, Value: s.Center, Lo: s.Lo, Hi: s.Hi,
	}
	// good is the bound most favourable to the target, bad the other.
	good, bad := s.Lo, s.Hi
	past := func(x float64) bool { return x > t.Limit }
	if t.Op == gate.AtLeast {
		good, bad = s.Hi, s.Lo
		past = func(x float64) bool { return x < t.Limit }
	}
	r.Bound = good
	switch {
	case past(good):
		r.Status = gate.TargetFail
	case past(bad):
		r.Status = gate.TargetWarn
	default:
		r.Status = gate.TargetPass
	}
	r.Margin = math.NaN()
	if t.Limit != 0 {
		room := t.Limit - bad
		if t.Op == gate.AtLeast {
			room = bad - t.Limit
		}
		r.Margin = room / math.Abs(t.Limit)
	}
	return r
}
