package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/perfgate/perfgate/gate"
)

// Marker is the first line of every markdown report. It is invisible once
// rendered; gate/github finds the gate's own PR comment by it and updates
// that comment instead of adding another.
const Marker = gate.CommentMarker

// DefaultMaxLen keeps a markdown report under GitHub's limit of 65536
// characters for a comment body, with room to spare.
const DefaultMaxLen = 60000

// MarkdownOptions configure Markdown. The zero value is usable.
type MarkdownOptions struct {
	// Title names the gate in the verdict line. Default "perfgate".
	Title string
	// DetailsURL, when set, is linked from the report, e.g. the workflow
	// run whose artifacts hold report.json and the raw outputs.
	DetailsURL string
	// MaxLen bounds the length of the report in bytes. Rows of the full
	// table, then of the other tables, are left out to stay under it,
	// with a note saying how many. Default DefaultMaxLen.
	MaxLen int
}

// Markdown writes r as the PR comment and step summary: Marker, the verdict
// line, the regressions and target breaches with their numbers, failing
// tests, improvements, the full table in a collapsed section with each
// benchmark's noise, the warnings, and the environment.
func Markdown(w io.Writer, r *gate.Report, opts MarkdownOptions) error {
	if opts.Title == "" {
		opts.Title = "perfgate"
	}
	if opts.MaxLen <= 0 {
		opts.MaxLen = DefaultMaxLen
	}
	alpha := alphaOf(r)
	var head, tail strings.Builder

	head.WriteString(Marker + "\n")
	mark := "✅"
	if verdictOf(r) == gate.Fail {
		mark = "❌"
	}
	fmt.Fprintf(&head, "### %s %s: %s\n\n", mark, opts.Title, headline(r))
	fmt.Fprintf(&head, "%s · α = %g after Benjamini–Hochberg", summary(r), alpha)
	if anyPaired(r) {
		head.WriteString(" · *paired (n)*: n pairs of samples, base and head measured back to back, compared by a paired t-test")
	}
	if opts.DetailsURL != "" {
		fmt.Fprintf(&head, " · [details](%s)", opts.DetailsURL)
	}
	head.WriteString("\n")
	if note := cpuNote(r); note != "" {
		fmt.Fprintf(&head, "\n> [!WARNING]\n> %s.\n", capitalize(note))
	}

	// The sections that must survive truncation, each limited in rows.
	regressions := withStatus(r.Comparisons, gate.StatusRegression)
	improvements := withStatus(r.Comparisons, gate.StatusImprovement)
	var targets []*gate.TargetResult
	for i := range r.Targets {
		if r.Targets[i].Status != gate.TargetPass {
			targets = append(targets, &r.Targets[i])
		}
	}
	sections := func(limit int) string {
		var b strings.Builder
		if len(regressions) > 0 {
			b.WriteString("\n#### Regressions\n\n")
			changeTable(&b, regressions, alpha, limit)
		}
		if len(targets) > 0 {
			b.WriteString("\n#### Targets\n\n")
			targetTable(&b, targets, limit)
		}
		if len(r.TestFailures) > 0 {
			b.WriteString("\n#### Failing tests\n\n")
			testFailures(&b, r.TestFailures, limit)
		}
		if len(improvements) > 0 {
			b.WriteString("\n#### Improvements\n\n")
			changeTable(&b, improvements, alpha, limit)
		}
		return b.String()
	}

	warnings := allWarnings(r)
	if len(warnings) > 0 {
		fmt.Fprintf(&tail, "\n<details><summary>%s</summary>\n\n", plural(len(warnings), "warning", "warnings"))
		for _, w := range warnings {
			fmt.Fprintf(&tail, "- %s\n", cell(w))
		}
		tail.WriteString("\n</details>\n")
	}
	tail.WriteString("\n#### Environment\n\n| | |\n|---|---|\n")
	for _, kv := range environment(r) {
		fmt.Fprintf(&tail, "| %s | %s |\n", kv[0], cell(kv[1]))
	}

	// Fit: first the full table shrinks, then the other tables.
	body := sections(0)
	for _, limit := range []int{50, 10} {
		if head.Len()+len(body)+tail.Len() < opts.MaxLen*3/4 {
			break
		}
		body = sections(limit)
	}
	room := opts.MaxLen - head.Len() - len(body) - tail.Len()
	full := fullTable(r, alpha, room)

	ew := &errWriter{w: w}
	ew.write(head.String())
	ew.write(body)
	ew.write(full)
	ew.write(tail.String())
	return ew.err
}

func changeTable(b *strings.Builder, cs []*gate.Comparison, alpha float64, limit int) {
	b.WriteString("| Benchmark | Unit | Old | New | Δ | Threshold | p (BH) |\n")
	b.WriteString("|---|---|--:|--:|--:|--:|--:|\n")
	for i, c := range cs {
		if limit > 0 && i == limit {
			fmt.Fprintf(b, "\n…and %d more.\n", len(cs)-limit)
			break
		}
		fr := formatRow(c, alpha)
		fmt.Fprintf(b, "| %s | %s | %s | %s | **%s** | %s | %s |\n",
			mdName(c), cell(c.Unit), fr.old(), fr.new(), pct(c.Delta), threshold(c.Threshold), pcell(c))
	}
}

func targetTable(b *strings.Builder, ts []*gate.TargetResult, limit int) {
	b.WriteString("| Target | Benchmark | Value | CI bound | Limit | Margin | Status |\n")
	b.WriteString("|---|---|--:|--:|--:|--:|---|\n")
	for i, t := range ts {
		if limit > 0 && i == limit {
			fmt.Fprintf(b, "\n…and %d more.\n", len(ts)-limit)
			break
		}
		bench := "—"
		if t.Benchmark != "" {
			bench = mdName(&gate.Comparison{Suite: t.Suite, Benchmark: t.Benchmark})
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s | %s |\n",
			cell("`"+strings.ReplaceAll(t.Target, "`", "'")+"`"), bench, cell(valueUnit(t.Value, t.Unit)), boundString(t), value(t.Limit, t.Unit), pct(t.Margin), targetMark(t.Status))
	}
}

func testFailures(b *strings.Builder, fs []gate.TestFailure, limit int) {
	for i, f := range fs {
		if limit > 0 && i == limit {
			fmt.Fprintf(b, "\n…and %d more.\n", len(fs)-limit)
			break
		}
		fmt.Fprintf(b, "<details><summary><code>%s</code> %s (%s)</summary>\n\n", htmlEscape(f.Test), htmlEscape(f.Package), htmlEscape(f.Suite))
		out := strings.TrimRight(f.Output, "\n")
		fence := "```"
		for strings.Contains(out, fence) {
			fence += "`"
		}
		fmt.Fprintf(b, "%s\n%s\n%s\n\n</details>\n", fence, out, fence)
	}
}

// fullTable is every comparison in a collapsed section, cut to fit room.
func fullTable(r *gate.Report, alpha float64, room int) string {
	if len(r.Comparisons) == 0 {
		return ""
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n<details><summary>All %s</summary>\n\n", plural(len(r.Comparisons), "comparison", "comparisons"))
	b.WriteString("| Status | Benchmark | Unit | Old | New | Δ | p (BH) | Noise (CI) |\n")
	b.WriteString("|---|---|---|--:|--:|--:|--:|--:|\n")
	const closing = "\n</details>\n"
	rows := bySeverity(r.Comparisons)
	for i, c := range rows {
		fr := formatRow(c, alpha)
		d, p := "—", pcell(c)
		if c.Old != nil && c.New != nil {
			d = pct(c.Delta)
		}
		line := fmt.Sprintf("| %s | %s | %s | %s | %s | %s | %s | %s |\n",
			statusMark(c.Status), mdName(c), cell(c.Unit), fr.old(), fr.new(), d, p, noise(fr))
		more := fmt.Sprintf("\n…and %d more rows in report.json.\n", len(rows)-i)
		if b.Len()+len(line)+len(more)+len(closing) > room {
			b.WriteString(more)
			break
		}
		b.WriteString(line)
	}
	b.WriteString(closing)
	return b.String()
}

// cell escapes text for a markdown table cell.
func cell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	s = strings.ReplaceAll(s, "\n", " ")
	return s
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
