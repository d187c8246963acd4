package report

import (
	"fmt"
	"io"
	"math"
	"strings"
	"unicode/utf8"

	"golang.org/x/perf/benchunit"

	"github.com/perfgate/perfgate/gate"
)

// TableOptions configure Benchstat.
type TableOptions struct {
	// OldLabel and NewLabel head the two columns, as benchstat heads them
	// with the file names. Default "old" and "new".
	OldLabel, NewLabel string
}

// Benchstat writes r as `perfgate compare OLD NEW` prints it: benchstat's
// text tables, one per suite, configuration and unit, whose centers,
// intervals, deltas and "(p=… n=…)" are exactly the strings benchstat
// prints for the same files, including the "~" of a raw p-value above
// alpha, footnoted warnings and the geomean row. A last column gives
// perfgate's own verdict for the row, after the Benjamini–Hochberg
// correction and the threshold: regression, improvement, changed (within
// threshold), new or missing; empty when unchanged. The verdict line ends
// the output.
func Benchstat(w io.Writer, r *gate.Report, opts TableOptions) error {
	if opts.OldLabel == "" {
		opts.OldLabel = "old"
	}
	if opts.NewLabel == "" {
		opts.NewLabel = "new"
	}
	ew := &errWriter{w: w}
	alpha := alphaOf(r)
	e := r.Environment
	for _, kv := range [][2]string{{"goos", e.GOOS}, {"goarch", e.GOARCH}, {"cpu", e.CPU}} {
		if kv[1] != "" {
			ew.printf("%s: %s\n", kv[0], kv[1])
		}
	}
	var prev tableKey
	for i, t := range tables(r.Comparisons) {
		if i > 0 {
			ew.printf("\n")
		}
		if t.key.suite != prev.suite || i == 0 {
			if t.key.suite != "" {
				ew.printf("suite: %s\n", t.key.suite)
			}
		}
		if t.key.config != prev.config && t.key.config != "" {
			for _, p := range strings.Split(t.key.config, ", ") {
				k, v, _ := strings.Cut(p, "=")
				ew.printf("%s: %s\n", k, v)
			}
		}
		prev = t.key
		if ew.err == nil {
			ew.err = t.write(ew.w, alpha, opts)
		}
	}
	if note := cpuNote(r); note != "" {
		ew.printf("\nnote: %s\n", note)
	}
	ew.printf("\nperfgate: %s — %s\n", strings.ToUpper(string(verdictOf(r))), headline(r))
	return ew.err
}

type tableKey struct{ suite, config, unit string }

type table struct {
	key  tableKey
	rows []*gate.Comparison
}

// tables groups comparisons into benchstat's tables, in order of first
// appearance (Run emits them table by table).
func tables(cs []gate.Comparison) []*table {
	var out []*table
	idx := make(map[tableKey]*table)
	for i := range cs {
		c := &cs[i]
		k := tableKey{c.Suite, c.Config, c.Unit}
		t := idx[k]
		if t == nil {
			t = &table{key: k}
			idx[k] = t
			out = append(out, t)
		}
		t.rows = append(t.rows, c)
	}
	return out
}

// footnotes numbers distinct warnings within one table, as benchstat's
// superscripts do.
type footnotes struct {
	list []string
	idx  map[string]int
}

func (f *footnotes) mark(msgs ...string) string {
	if f.idx == nil {
		f.idx = make(map[string]int)
	}
	var marks []string
	for _, m := range msgs {
		i, ok := f.idx[m]
		if !ok {
			i = len(f.list)
			f.idx[m] = i
			f.list = append(f.list, m)
		}
		marks = append(marks, superscript(i+1))
	}
	return strings.Join(marks, " ")
}

func superscript(n int) string {
	const digits = "⁰¹²³⁴⁵⁶⁷⁸⁹"
	d := []rune(digits)
	s := fmt.Sprint(n)
	var b strings.Builder
	for _, c := range s {
		b.WriteRune(d[c-'0'])
	}
	return b.String()
}

func (t *table) write(w io.Writer, alpha float64, opts TableOptions) error {
	var fn footnotes
	// Columns: label | old center, ±, ci, notes | new center, ±, ci,
	// notes, delta, test, notes | verdict.
	var cells [][]string
	for _, c := range t.rows {
		fr := formatRow(c, alpha)
		row := []string{c.Benchmark, "", "", "", "", "", "", "", "", "", "", "", ""}
		if c.Old != nil {
			row[1], row[2], row[3], row[4] = fr.oldCenter, "±", fr.oldCI, fn.mark(c.Old.Warnings...)
		}
		if c.New != nil {
			row[5], row[6], row[7], row[8] = fr.newCenter, "±", fr.newCI, fn.mark(c.New.Warnings...)
		}
		if c.Old != nil && c.New != nil {
			row[9], row[10] = fr.delta, "("+fr.test+")"
			row[11] = fn.mark(comparisonOnly(c)...)
		}
		if c.Status != gate.StatusUnchanged {
			row[12] = string(c.Status)
		}
		cells = append(cells, row)
	}
	if len(t.rows) > 1 {
		cells = append(cells, t.geomean(&fn))
	}

	// Column widths; the group widths must also fit the headers.
	ws := make([]int, 13)
	for _, r := range cells {
		for i, c := range r {
			ws[i] = max(ws[i], utf8.RuneCountInString(c))
		}
	}
	// A cell is written with a space before it when the column is used.
	join := func(r []string, from, to int) string {
		var b strings.Builder
		for i := from; i < to; i++ {
			if ws[i] == 0 {
				continue
			}
			if b.Len() > 0 {
				b.WriteString(" ")
				if i == 9 {
					b.WriteString(" ") // benchstat's two blanks before "vs base"
				}
			}
			pad := strings.Repeat(" ", ws[i]-utf8.RuneCountInString(r[i]))
			switch i {
			case 4, 8, 10, 11, 12: // notes, test, verdict: left-aligned
				b.WriteString(r[i] + pad)
			default:
				b.WriteString(pad + r[i])
			}
		}
		return b.String()
	}
	oldW := utf8.RuneCountInString(join(cells[0], 1, 5))
	newCenterW := utf8.RuneCountInString(join(cells[0], 5, 9))
	newW := utf8.RuneCountInString(join(cells[0], 5, 12))
	oldW = max(oldW, utf8.RuneCountInString(opts.OldLabel), utf8.RuneCountInString(t.key.unit))
	newW = max(newW, utf8.RuneCountInString(opts.NewLabel), newCenterW+2+len("vs base"))
	labelW := ws[0]

	var out strings.Builder
	line := func(label, old, new, verdict string) {
		s := fmt.Sprintf("%s │ %s │ %s │ %s", padRight(label, labelW), padRight(old, oldW), padRight(new, newW), verdict)
		out.WriteString(strings.TrimRight(s, " ") + "\n")
	}
	line("", center(opts.OldLabel, oldW), center(opts.NewLabel, newW), "")
	line("", center(t.key.unit, oldW), padRight(center(t.key.unit, newCenterW), newCenterW)+"  vs base", "perfgate")
	for _, r := range cells {
		s := fmt.Sprintf("%s   %s   %s   %s", padRight(r[0], labelW), padLeft(join(r, 1, 5), oldW), padRight(join(r, 5, 12), newW), r[12])
		out.WriteString(strings.TrimRight(s, " ") + "\n")
	}
	for i, m := range fn.list {
		fmt.Fprintf(&out, "%s %s\n", superscript(i+1), m)
	}
	_, err := io.WriteString(w, out.String())
	return err
}

// comparisonOnly returns the warnings of c that are not any side's own,
// which benchstat shows after the p-value.
func comparisonOnly(c *gate.Comparison) []string {
	var out []string
	for _, w := range c.Warnings {
		if !contains(c.Old.Warnings, w) && !contains(c.New.Warnings, w) {
			out = append(out, w)
		}
	}
	return out
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// geomean is benchstat's summary row: the geometric mean of each column's
// centers and of the new/old ratios of the rows that have both.
func (t *table) geomean(fn *footnotes) []string {
	row := make([]string, 13)
	row[0] = "geomean"
	class := benchunit.ClassOf(t.key.unit)
	var olds, news, ratios []float64
	nBase, bad := 0, false
	for _, c := range t.rows {
		if c.Old != nil {
			olds = append(olds, c.Old.Center)
			nBase++
		}
		if c.New != nil {
			news = append(news, c.New.Center)
		}
		if c.Old != nil && c.New != nil {
			a, b := c.New.Center, c.Old.Center
			switch {
			case a == b:
				ratios = append(ratios, 1)
			case b == 0:
				bad = true
				ratios = append(ratios, 0)
			default:
				ratios = append(ratios, a/b)
			}
		}
	}
	var oldNotes, newNotes []string
	if gm := geoMean(olds); math.IsNaN(gm) {
		oldNotes = append(oldNotes, "summaries must be >0 to compute geomean")
	} else {
		row[1] = benchunit.Scale(gm, class)
	}
	if nBase != len(ratios) {
		newNotes = append(newNotes, "benchmark set differs from baseline; geomeans may not be comparable")
	}
	if gm := geoMean(news); math.IsNaN(gm) {
		newNotes = append(newNotes, "summaries must be >0 to compute geomean")
	} else {
		row[5] = benchunit.Scale(gm, class)
	}
	row[9] = "?"
	if !bad {
		if gm := geoMean(ratios); math.IsNaN(gm) {
			newNotes = append(newNotes, "ratios must be >0 to compute geomean")
		} else {
			row[9] = fmt.Sprintf("%+.2f%%", (gm-1)*100)
		}
	}
	row[4] = fn.mark(oldNotes...)
	row[11] = fn.mark(newNotes...)
	return row
}

// geoMean is the geometric mean computed as benchstat's (a running mean of
// the logarithms), so the digits agree; NaN unless every x is > 0.
func geoMean(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	m := 0.0
	for i, x := range xs {
		if x <= 0 {
			return math.NaN()
		}
		m += (math.Log(x) - m) / float64(i+1)
	}
	return math.Exp(m)
}

func padRight(s string, w int) string {
	return s + strings.Repeat(" ", max(0, w-utf8.RuneCountInString(s)))
}

func padLeft(s string, w int) string {
	return strings.Repeat(" ", max(0, w-utf8.RuneCountInString(s))) + s
}

func center(s string, w int) string {
	l := max(0, (w-utf8.RuneCountInString(s))/2)
	return padRight(strings.Repeat(" ", l)+s, w)
}
