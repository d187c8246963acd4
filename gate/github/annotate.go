package github

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"golang.org/x/perf/benchunit"

	"github.com/perfgate/perfgate/gate"
)

// annotations returns one error per regression, target breach and failing
// test, and one warning per run-wide warning and per target that warned or
// matched nothing. loc places test failures in the repository; it may be nil.
func annotations(r *gate.Report, loc *locator) []annotation {
	var out []annotation
	for _, c := range r.Regressions() {
		out = append(out, annotation{
			level: "error",
			title: "perfgate: regression in " + benchName(c.Benchmark, c.Config),
			msg:   describeComparison(c),
		})
	}
	for _, t := range r.Breaches() {
		out = append(out, annotation{
			level: "error",
			title: "perfgate: target breached by " + t.Benchmark,
			msg:   describeTarget(t),
		})
	}
	for _, f := range r.TestFailures {
		a := annotation{
			level: "error",
			title: "perfgate: failing test " + f.Test,
			msg:   describeTestFailure(f),
		}
		a.file, a.line = loc.locate(f)
		out = append(out, a)
	}
	for _, t := range r.Targets {
		switch t.Status {
		case gate.TargetWarn:
			out = append(out, annotation{level: "warning", title: "perfgate: target at risk for " + t.Benchmark, msg: describeTarget(t)})
		case gate.TargetMissing:
			out = append(out, annotation{level: "warning", title: "perfgate: target matched nothing",
				msg: fmt.Sprintf("target %s matched no benchmark result", t.Target)})
		}
	}
	for _, w := range r.Warnings {
		out = append(out, annotation{level: "warning", title: "perfgate", msg: w})
	}
	return out
}

func benchName(bench, config string) string {
	if config == "" {
		return bench
	}
	return bench + " (" + config + ")"
}

// describeComparison says what changed, in benchstat's scaled numbers:
// "sec/op 1.200m → 1.370m (+14.17%), p=0.002 after correction (threshold 10%), suite search".
func describeComparison(c gate.Comparison) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s", c.Unit)
	if c.Old != nil && c.New != nil {
		cls := benchunit.ClassOf(c.Unit)
		fmt.Fprintf(&b, " %s → %s", benchunit.Scale(c.Old.Center, cls), benchunit.Scale(c.New.Center, cls))
	}
	if !math.IsNaN(c.Delta) && !math.IsInf(c.Delta, 0) {
		fmt.Fprintf(&b, " (%+.2f%%)", c.Delta*100)
	}
	if !c.Exact {
		fmt.Fprintf(&b, ", p=%.3f after correction", c.PAdjusted)
	}
	fmt.Fprintf(&b, " (threshold %s%%)", strconv.FormatFloat(c.Threshold*100, 'f', -1, 64))
	if c.Suite != "" {
		fmt.Fprintf(&b, ", suite %s", c.Suite)
	}
	return b.String()
}

// describeTarget says where a target's value and bound stand against it.
func describeTarget(t gate.TargetResult) string {
	cls := benchunit.ClassOf(t.Unit)
	s := fmt.Sprintf("target %s: %s %s (CI %s–%s), limit %s %s, margin %+.1f%%",
		t.Target, benchunit.Scale(t.Value, cls), t.Unit,
		benchunit.Scale(t.Lo, cls), benchunit.Scale(t.Hi, cls),
		t.Op, benchunit.Scale(t.Limit, cls), t.Margin*100)
	if t.Suite != "" {
		s += ", suite " + t.Suite
	}
	return s
}

// maxTestOutput bounds the test output carried by one annotation.
const maxTestOutput = 2000

func describeTestFailure(f gate.TestFailure) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s failed", f.Test)
	if f.Package != "" {
		fmt.Fprintf(&b, " in %s", f.Package)
	}
	if f.Suite != "" {
		fmt.Fprintf(&b, " (suite %s)", f.Suite)
	}
	if out := strings.TrimSpace(f.Output); out != "" {
		if len(out) > maxTestOutput {
			out = "…" + out[len(out)-maxTestOutput:]
		}
		b.WriteString("\n" + out)
	}
	return b.String()
}

// fileLine matches the "file_test.go:42:" prefix `go test` puts on t.Error
// and t.Fatal output.
var fileLine = regexp.MustCompile(`(?m)^\s*([A-Za-z0-9_.\-]+\.go):(\d+): `)

// locator maps a test failure to a file in the repository: the package's
// import path relative to the module, below the module root relative to the
// workspace (the checkout).
type locator struct {
	module string // module path of the go.mod found from the working directory
	root   string // module root, slash-separated, relative to the workspace
}

// newLocator finds the go.mod at or above dir and places it relative to
// workspace. It returns nil when either is unknown.
func newLocator(dir, workspace string) *locator {
	if workspace == "" {
		return nil
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil
	}
	for d := abs; ; d = filepath.Dir(d) {
		if mod := modulePath(filepath.Join(d, "go.mod")); mod != "" {
			rel, err := filepath.Rel(workspace, d)
			if err != nil || strings.HasPrefix(rel, "..") {
				return nil
			}
			return &locator{module: mod, root: filepath.ToSlash(rel)}
		}
		if filepath.Dir(d) == d {
			return nil
		}
	}
}

// locate returns the file and line of the first file:line in the failure's
// output, or "" and 0.
func (l *locator) locate(f gate.TestFailure) (string, int) {
	if l == nil {
		return "", 0
	}
	m := fileLine.FindStringSubmatch(f.Output)
	if m == nil {
		return "", 0
	}
	var dir string
	switch {
	case f.Package == l.module:
		dir = "."
	case strings.HasPrefix(f.Package, l.module+"/"):
		dir = strings.TrimPrefix(f.Package, l.module+"/")
	default:
		return "", 0
	}
	line, _ := strconv.Atoi(m[2])
	return path.Join(l.root, dir, m[1]), line
}

// modulePath reads the module directive of a go.mod file, or "".
func modulePath(gomod string) string {
	f, err := os.Open(gomod)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if rest, ok := strings.CutPrefix(line, "module"); ok && (rest == "" || rest[0] == ' ' || rest[0] == '\t') {
			return strings.Trim(strings.TrimSpace(rest), `"`)
		}
	}
	return ""
}
