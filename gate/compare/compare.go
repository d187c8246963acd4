package compare

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"golang.org/x/perf/benchfmt"
	"golang.org/x/perf/benchmath"
	"golang.org/x/perf/benchproc"

	"github.com/perfgate/perfgate/gate"
)

// Defaults of Options.
const (
	// DefaultConfidence is the confidence level of the intervals, as
	// benchstat's -confidence default.
	DefaultConfidence = 0.95
	// MinSamples is the number of samples per side below which a
	// comparison carries a warning: with fewer, the Mann-Whitney U test
	// can hardly reach significance after the correction.
	MinSamples = 6
)

// DefaultIgnore lists the file configuration keys that describe where a
// result was measured rather than what was measured: cpu, and the go,
// commit and provider lines gate/baseline writes. They are left out when
// results are grouped into tables, so a baseline recorded on another
// machine or commit is still compared row by row; a cpu that differs
// between the sides is reported as a CPUMismatch. benchstat would put such
// results into separate tables (unless run with -ignore cpu,go,commit,provider).
var DefaultIgnore = []string{"cpu", "go", "commit", "provider"}

// Options configure Run. The zero value is usable: every zero field takes
// its documented default.
type Options struct {
	// Alpha is the significance level applied to the p-values after the
	// Benjamini–Hochberg correction. It is also the level at which the
	// benchstat-style delta column shows "~" for raw p-values. Default:
	// Config.Alpha, else gate.DefaultAlpha.
	Alpha float64
	// Confidence is the confidence level of each side's interval around
	// its median. Default DefaultConfidence.
	Confidence float64
	// Config supplies the thresholds and the targets. Default: a
	// gate.Config with its defaults (10% threshold, no targets).
	Config *gate.Config
	// Ignore lists file configuration keys left out of the grouping.
	// Default DefaultIgnore; an empty non-nil slice ignores nothing,
	// which groups exactly as benchstat does.
	Ignore []string
}

func (o Options) withDefaults() (Options, error) {
	if o.Config == nil {
		c := gate.Config{}.WithDefaults()
		o.Config = &c
	}
	if o.Alpha == 0 {
		o.Alpha = o.Config.Alpha
	}
	if o.Alpha == 0 {
		o.Alpha = gate.DefaultAlpha
	}
	if o.Confidence == 0 {
		o.Confidence = DefaultConfidence
	}
	if o.Ignore == nil {
		o.Ignore = DefaultIgnore
	}
	if o.Alpha < 0 || o.Alpha > 1 {
		return o, fmt.Errorf("alpha %v: must be in [0, 1]", o.Alpha)
	}
	if o.Confidence <= 0 || o.Confidence >= 1 {
		return o, fmt.Errorf("confidence %v: must be in (0, 1)", o.Confidence)
	}
	return o, nil
}

// Pair is one suite's results: the baseline (Old) and the new results
// (New). Either side may be nil or empty: every benchmark is then new or
// missing.
type Pair struct {
	Suite string
	Old   *Set
	New   *Set
	// Paired says that the i-th sample of a benchmark and unit in Old and
	// the i-th in New were measured back to back (a --base-ref run, whose
	// sides are interleaved): they are then compared as pairs
	// (gate.PairedTest) wherever both sides have the same number of
	// positive samples, at least MinPairs.
	Paired bool
}

// MinPairs is the least number of pairs compared with the paired test.
const MinPairs = 3

// CPUMismatch records a suite whose baseline was measured on another cpu
// (the `cpu:` configuration line) than its new results.
type CPUMismatch struct {
	Suite string
	// Old and New are the distinct cpu values of each side, joined by
	// " | " when a side holds several.
	Old, New string
}

// Result is what Run found.
type Result struct {
	// Comparisons are ordered by pair, then as benchstat orders its
	// tables (configuration, then unit, in order of first appearance)
	// and its rows (benchmark, in order of first appearance).
	Comparisons []gate.Comparison
	// Targets are the Config's targets checked on the new results.
	Targets []gate.TargetResult
	// Warnings are run-wide: syntax errors with file:line, conflicting
	// unit metadata, cpu mismatches, comparisons with too few samples.
	Warnings      []string
	CPUMismatches []CPUMismatch
}

// Run compares every pair and returns the comparisons of all of them,
// with p-values corrected for multiple testing across the whole run, and
// the targets of opts.Config checked on the new results.
//
// An error means the options are invalid; problems in the results are
// warnings.
func Run(pairs []Pair, opts Options) (*Result, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	res := &Result{}
	var cfgs [][]kv
	for _, p := range pairs {
		g, err := newGrouping(opts.Ignore)
		if err != nil {
			return nil, err
		}
		units, uw := mergeUnits(p.Old, p.New)
		res.Warnings = append(res.Warnings, setWarnings(p.Old)...)
		res.Warnings = append(res.Warnings, setWarnings(p.New)...)
		res.Warnings = append(res.Warnings, uw...)
		g.add(p.Old, 0)
		g.add(p.New, 1)
		cs, kvs := g.compare(p.Suite, units, p.Paired, opts)
		res.Comparisons = append(res.Comparisons, cs...)
		cfgs = append(cfgs, kvs...)
		if m, ok := cpuMismatch(p); ok {
			res.CPUMismatches = append(res.CPUMismatches, m)
			res.Warnings = append(res.Warnings, m.String())
		}
	}
	setConfigs(res.Comparisons, cfgs)
	decide(res.Comparisons, opts)
	if n := countFewSamples(res.Comparisons); n > 0 {
		res.Warnings = append(res.Warnings, fmt.Sprintf("%s fewer than %d samples on a side: their significance is weak; run the suite more often (count)", pluralize(n, "comparison has", "comparisons have"), MinSamples))
	}
	if len(opts.Config.Targets) > 0 {
		res.Targets, err = CheckTargets(pairs, opts.Config.Targets, opts)
		if err != nil {
			return nil, err
		}
	}
	return res, nil
}

func (m CPUMismatch) String() string {
	s := fmt.Sprintf("baseline measured on cpu %q, new results on cpu %q: timings across machines are not comparable", m.Old, m.New)
	if m.Suite != "" {
		s = "suite " + m.Suite + ": " + s
	}
	return s
}

func setWarnings(s *Set) []string {
	if s == nil {
		return nil
	}
	return s.Warnings
}

func cpuMismatch(p Pair) (CPUMismatch, bool) {
	o, n := p.Old.ConfigValues("cpu"), p.New.ConfigValues("cpu")
	if len(o) == 0 || len(n) == 0 {
		return CPUMismatch{}, false
	}
	so, sn := slices.Clone(o), slices.Clone(n)
	slices.Sort(so)
	slices.Sort(sn)
	if slices.Equal(so, sn) {
		return CPUMismatch{}, false
	}
	return CPUMismatch{Suite: p.Suite, Old: strings.Join(o, " | "), New: strings.Join(n, " | ")}, true
}

// kv is one file configuration key of a comparison's table.
type kv struct{ key, value string }

// grouping projects results into tables and rows exactly as benchstat's
// default projection does (-table .config -row .fullname, with the unit
// split out of the table key), except for the ignored keys.
type grouping struct {
	tableBy, rowBy, residue *benchproc.Projection
	unitField               *benchproc.Field
	tables                  map[benchproc.Key]*table
}

type table struct {
	rows  map[benchproc.Key]*cell
	order []benchproc.Key
}

type cell struct {
	// values holds the samples of each side: 0 old, 1 new.
	values   [2][]float64
	residue  [2]map[benchproc.Key]struct{}
	origUnit string
}

func newGrouping(ignore []string) (*grouping, error) {
	var parser benchproc.ProjectionParser
	filter, err := benchproc.NewFilter("*")
	if err != nil {
		return nil, err
	}
	tableBy, unitField, err := parser.ParseWithUnit(".config", filter)
	if err != nil {
		return nil, err
	}
	rowBy, err := parser.Parse(".fullname", filter)
	if err != nil {
		return nil, err
	}
	if len(ignore) > 0 {
		if _, err := parser.Parse(strings.Join(ignore, ","), filter); err != nil {
			return nil, fmt.Errorf("ignore %q: %w", ignore, err)
		}
	}
	return &grouping{
		tableBy: tableBy, rowBy: rowBy, residue: parser.Residue(),
		unitField: unitField,
		tables:    make(map[benchproc.Key]*table),
	}, nil
}

func (g *grouping) add(s *Set, side int) {
	if s == nil {
		return
	}
	for _, r := range s.results {
		g.addResult(r, side)
	}
}

func (g *grouping) addResult(r *benchfmt.Result, side int) {
	tableKeys := g.tableBy.ProjectValues(r)
	row := g.rowBy.Project(r)
	residue := g.residue.Project(r)
	for i, tk := range tableKeys {
		t := g.tables[tk]
		if t == nil {
			t = &table{rows: make(map[benchproc.Key]*cell)}
			g.tables[tk] = t
		}
		c := t.rows[row]
		if c == nil {
			c = &cell{}
			c.origUnit = r.Values[i].OrigUnit
			if c.origUnit == "" {
				c.origUnit = r.Values[i].Unit
			}
			t.rows[row] = c
			t.order = append(t.order, row)
		}
		c.values[side] = append(c.values[side], r.Values[i].Value)
		if c.residue[side] == nil {
			c.residue[side] = make(map[benchproc.Key]struct{}, 1)
		}
		c.residue[side][residue] = struct{}{}
	}
}

// compare summarizes and compares every cell of the grouping. The
// comparisons' P is raw; decide corrects them and sets their status.
func (g *grouping) compare(suite string, units benchfmt.UnitMetadataMap, paired bool, opts Options) ([]gate.Comparison, [][]kv) {
	keys := make([]benchproc.Key, 0, len(g.tables))
	for k := range g.tables {
		keys = append(keys, k)
	}
	benchproc.SortKeys(keys)
	fields := g.tableBy.FlattenedFields()
	thresholds := &benchmath.Thresholds{CompareAlpha: opts.Alpha}
	var out []gate.Comparison
	var cfgs [][]kv
	for _, tk := range keys {
		t := g.tables[tk]
		unit := tk.Get(g.unitField)
		var cfg []kv
		for _, f := range fields {
			if f.Name == ".unit" {
				continue
			}
			if v := tk.Get(f); v != "" {
				cfg = append(cfg, kv{f.Name, v})
			}
		}
		assumption := units.GetAssumption(unit)
		exact := assumption == benchmath.Assumption(benchmath.AssumeExact)
		better := direction(units, unit)
		rows := slices.Clone(t.order)
		benchproc.SortKeys(rows)
		for _, rk := range rows {
			c := t.rows[rk]
			cmp := gate.Comparison{
				Suite:     suite,
				Benchmark: rk.StringValues(),
				Unit:      unit,
				OrigUnit:  c.origUnit,
				Better:    better,
				Exact:     exact,
				Delta:     math.NaN(),
				P:         math.NaN(),
				PAdjusted: math.NaN(),
			}
			var samples [2]*benchmath.Sample
			for side := range 2 {
				if len(c.values[side]) == 0 {
					continue
				}
				samples[side] = benchmath.NewSample(c.values[side], thresholds)
				st := summarize(samples[side], c.residue[side], assumption, opts.Confidence, exact)
				if side == 0 {
					cmp.Old = st
				} else {
					cmp.New = st
				}
			}
			if cmp.Old != nil && cmp.New != nil {
				bc := assumption.Compare(samples[0], samples[1])
				cmp.P = bc.P
				cmp.Delta = delta(cmp.Old.Center, cmp.New.Center)
				cmp.Warnings = appendErrs(cmp.Warnings, bc.Warnings)
				if paired && !exact {
					if pt, ok := pairedTest(c.values[0], c.values[1]); ok {
						cmp.Paired = pt
						cmp.Delta = pt.Delta
					}
				}
			}
			cmp.Warnings = appendUnique(cmp.Warnings, statWarnings(cmp.Old)...)
			cmp.Warnings = appendUnique(cmp.Warnings, statWarnings(cmp.New)...)
			cmp.Threshold = opts.Config.ThresholdFor(cmp.Benchmark, cmp.OrigUnit, cmp.Unit)
			out = append(out, cmp)
			cfgs = append(cfgs, cfg)
		}
	}
	return out, cfgs
}

func summarize(s *benchmath.Sample, residue map[benchproc.Key]struct{}, a benchmath.Assumption, confidence float64, exact bool) *gate.Stat {
	sum := a.Summary(s, confidence)
	st := &gate.Stat{
		Center:     sum.Center,
		Lo:         sum.Lo,
		Hi:         sum.Hi,
		Confidence: sum.Confidence,
		N:          len(s.Values),
		Values:     s.Values,
	}
	// benchstat's warning for a cell whose results differ in a key that
	// is not part of the grouping (an ignored key, such as two cpus).
	if len(residue) > 1 {
		rk := make([]benchproc.Key, 0, len(residue))
		for k := range residue {
			rk = append(rk, k)
		}
		if nsk := benchproc.NonSingularFields(rk); len(nsk) > 0 {
			names := make([]string, len(nsk))
			for i, f := range nsk {
				names[i] = f.Name
			}
			st.Warnings = append(st.Warnings, "benchmarks vary in "+strings.Join(names, ", "))
		}
	}
	st.Warnings = appendErrs(st.Warnings, s.Warnings)
	st.Warnings = appendErrs(st.Warnings, sum.Warnings)
	if !exact && st.N < MinSamples {
		st.Warnings = append(st.Warnings, fewSamples(st.N))
	}
	return st
}

func fewSamples(n int) string {
	return fmt.Sprintf("%d samples: fewer than %d, significance is weak", n, MinSamples)
}

// direction is the unit's declared direction (`better=`), else benchfmt's
// built-in one, else higher is better for rates (units ending in "/s")
// and lower for everything else.
func direction(units benchfmt.UnitMetadataMap, unit string) gate.Direction {
	switch units.GetBetter(unit) {
	case 1:
		return gate.HigherIsBetter
	case -1:
		return gate.LowerIsBetter
	}
	if strings.HasSuffix(unit, "/s") {
		return gate.HigherIsBetter
	}
	return gate.LowerIsBetter
}

// delta is the relative change of the centers: 0 when they are equal,
// ±Inf when the old one is 0 and the new one is not.
func delta(old, new float64) float64 {
	switch {
	case old == new:
		return 0
	case old == 0:
		return math.Copysign(math.Inf(1), new)
	}
	return (new - old) / math.Abs(old)
}

// decide corrects the p-values of the run's statistical comparisons for
// multiple testing (Benjamini–Hochberg; exact units and one-sided rows are
// not part of the family) and sets each comparison's significance and
// status.
func decide(cs []gate.Comparison, opts Options) {
	var family []int
	var ps []float64
	for i := range cs {
		c := &cs[i]
		if c.Old != nil && c.New != nil && !c.Exact {
			family = append(family, i)
			if c.Paired != nil {
				ps = append(ps, c.Paired.P)
			} else {
				ps = append(ps, c.P)
			}
		}
	}
	for k, adj := range AdjustBH(ps) {
		cs[family[k]].PAdjusted = adj
	}
	for i := range cs {
		c := &cs[i]
		switch {
		case c.Old == nil:
			c.Status = gate.StatusNew
			continue
		case c.New == nil:
			c.Status = gate.StatusMissing
			continue
		case c.Exact:
			c.P, c.PAdjusted = 0, 0
			c.Significant = c.Old.Center != c.New.Center
		default:
			c.Significant = c.PAdjusted < opts.Alpha
		}
		switch {
		case !c.Significant:
			c.Status = gate.StatusUnchanged
		case math.Abs(c.Delta) > c.Threshold && c.Worse():
			c.Status = gate.StatusRegression
		case math.Abs(c.Delta) > c.Threshold:
			c.Status = gate.StatusImprovement
		default:
			c.Status = gate.StatusChanged
		}
	}
}

// setConfigs fills each comparison's Config with the table keys whose
// values are not the same across the whole run.
func setConfigs(cs []gate.Comparison, cfgs [][]kv) {
	var keys []string
	for _, cfg := range cfgs {
		for _, p := range cfg {
			if !slices.Contains(keys, p.key) {
				keys = append(keys, p.key)
			}
		}
	}
	value := func(cfg []kv, key string) string {
		for _, p := range cfg {
			if p.key == key {
				return p.value
			}
		}
		return ""
	}
	var varying []string
	for _, k := range keys {
		for _, cfg := range cfgs[1:] {
			if value(cfg, k) != value(cfgs[0], k) {
				varying = append(varying, k)
				break
			}
		}
	}
	if len(varying) == 0 {
		return
	}
	for i, cfg := range cfgs {
		var parts []string
		for _, k := range varying {
			if v := value(cfg, k); v != "" {
				parts = append(parts, k+"="+v)
			}
		}
		cs[i].Config = strings.Join(parts, ", ")
	}
}

func countFewSamples(cs []gate.Comparison) int {
	n := 0
	for _, c := range cs {
		if c.Exact {
			continue
		}
		if (c.Old != nil && c.Old.N < MinSamples) || (c.New != nil && c.New.N < MinSamples) {
			n++
		}
	}
	return n
}

func statWarnings(s *gate.Stat) []string {
	if s == nil {
		return nil
	}
	return s.Warnings
}

func appendErrs(dst []string, errs []error) []string {
	for _, e := range errs {
		dst = appendUnique(dst, e.Error())
	}
	return dst
}

func appendUnique(dst []string, ss ...string) []string {
	for _, s := range ss {
		if !slices.Contains(dst, s) {
			dst = append(dst, s)
		}
	}
	return dst
}

func pluralize(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
