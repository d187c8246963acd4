package run

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/perfgate/perfgate/gate"
)

// side is one tree whose code a go: suite measures: the working tree, or
// under --base-ref the merge-base or the head.
type side struct {
	name   string // "" for a plain run, else "base" or "head"
	dir    string // the repository root of this side (where go runs)
	prefix string // of the output files: "run-", "base-run-", "head-run-"
	res    *Result
	// binaries are the test binaries built for this side; broken is set
	// when the side could not be built or run, base side only (see
	// BaseRefRun.BaseFailures).
	binaries []goBinary
	broken   bool
	env      []string // the environment of its processes
}

// goBinary is one package's test binary and the benchmarks it runs.
type goBinary struct {
	pkg        string // import path
	dir        string // package directory: the binary runs there, as go test runs it
	path       string
	benchmarks []string // top-level benchmark names, in the order the package declares them
}

// runGo runs a go: suite (gate.GoBench) on one or two sides. It builds every
// package's test binary on each side, then runs s.Count rounds; in each
// round every benchmark is run once on each side, -test.count 1, the two
// sides back to back and in alternating order (base, head; head, base; …)
// so that a drift of the machine's speed falls on both alike. Round i's
// outputs go to <prefix><i>.txt of each side. onBaseFailure is called when
// the base side fails, which then stops while the head goes on; with no
// such callback a failure is returned.
func (r *Runner) runGo(ctx context.Context, s gate.Suite, pos, total int, sides []*side, onBaseFailure func(*SuiteError)) error {
	bin, err := os.MkdirTemp("", "perfgate-bin-")
	if err != nil {
		return fmt.Errorf("create directory for test binaries: %w", err)
	}
	defer os.RemoveAll(bin)

	fail := func(sd *side, err error) error {
		var se *SuiteError
		if sd.name == "base" && onBaseFailure != nil && errors.As(err, &se) {
			sd.broken = true
			onBaseFailure(se)
			return nil
		}
		return err
	}
	for _, sd := range sides {
		fmt.Fprintf(r.Progress, "[%d/%d] %s build%s … ", pos, total, s.Name, label(sd.name))
		start := time.Now()
		bs, err := r.buildGo(ctx, s, sd, filepath.Join(bin, sidePart(sd.name)))
		if err != nil {
			fmt.Fprintln(r.Progress, "failed")
			if err := fail(sd, err); err != nil {
				return err
			}
			continue
		}
		sd.binaries = bs
		fmt.Fprintf(r.Progress, "%.1fs, %s\n", time.Since(start).Seconds(), countBenchmarks(bs))
	}

	// The sides' binaries run the same benchmarks, matched by package and
	// name; a benchmark one side lacks runs on the other alone.
	items := benchmarkItems(sides)
	for _, sd := range sides {
		sd.env = r.environ(s, sd.name)
	}
	for round := 1; round <= s.Count; round++ {
		fmt.Fprintf(r.Progress, "[%d/%d] %s round %d/%d … ", pos, total, s.Name, round, s.Count)
		start := time.Now()
		if err := r.goRound(ctx, s, round, sides, items, fail); err != nil {
			fmt.Fprintln(r.Progress, "failed")
			return err
		}
		fmt.Fprintf(r.Progress, "%.1fs\n", time.Since(start).Seconds())
	}
	return nil
}

// goRound runs one round of a go: suite: every benchmark once per side.
func (r *Runner) goRound(ctx context.Context, s gate.Suite, round int, sides []*side, items []benchItem, fail func(*side, error) error) error {
	type output struct {
		j              job
		stdout, stderr *os.File
		x              execResult
		failed         bool
	}
	outs := make([]*output, len(sides))
	for i, sd := range sides {
		if sd.broken {
			continue
		}
		j := job{suite: s, run: round, side: sd.name, dir: sd.dir, file: fmt.Sprintf("%s%d.txt", sd.prefix, round)}
		o := &output{j: j}
		dir := filepath.Join(r.outDir(), s.Name)
		var err error
		if o.stdout, err = os.Create(filepath.Join(dir, j.file)); err != nil {
			return fmt.Errorf("create output file: %w", err)
		}
		defer o.stdout.Close()
		if o.stderr, err = os.Create(filepath.Join(dir, strings.TrimSuffix(j.file, ".txt")+".stderr.txt")); err != nil {
			return fmt.Errorf("create output file: %w", err)
		}
		defer o.stderr.Close()
		outs[i] = o
	}

	for k, item := range items {
		order := make([]int, 0, len(sides))
		for i := range sides {
			order = append(order, i)
		}
		if (round+k)%2 == 0 {
			// ABBA: alternate which side goes first, so that the one
			// measured second is not always the base or always the head.
			for a, b := 0, len(order)-1; a < b; a, b = a+1, b-1 {
				order[a], order[b] = order[b], order[a]
			}
		}
		for _, i := range order {
			o, sd := outs[i], sides[i]
			if o == nil || o.failed || sd.broken {
				continue
			}
			b, ok := sd.binary(item.pkg)
			if !ok || !slices.Contains(b.benchmarks, item.name) {
				continue
			}
			argv := b.argv(s.Go, item.name, s.Timeout)
			fresh, err := freshCopy(b.path)
			if err != nil {
				return fmt.Errorf("suite %s: %w", s.Name, err)
			}
			argv[0] = fresh
			x := execute(ctx, s.Timeout, argv, b.dir, sd.env, o.stdout, o.stderr)
			os.Remove(fresh)
			o.x.duration += x.duration
			if x.canceled {
				fmt.Fprintln(r.Progress, "interrupted")
				return fmt.Errorf("suite %s: %w", s.Name, context.Cause(ctx))
			}
			if x.failure(s.Timeout) != "" || x.exitCode != 0 {
				d := o.x.duration
				o.x, o.x.duration = x, d
				o.failed = true
				fmt.Fprintf(o.stderr, "perfgate: %s %s: %s\n", b.pkg, item.name, x.summary(s.Timeout))
			}
		}
	}
	for i, o := range outs {
		if o == nil {
			continue
		}
		o.stdout.Close()
		o.stderr.Close()
		if err := r.record(ctx, o.j, sides[i].res, o.x); err != nil {
			if err := fail(sides[i], err); err != nil {
				return err
			}
		}
	}
	return nil
}

// freshCopy copies a test binary to a new file beside it and returns its
// path; the caller removes it. Every benchmark process runs a copy of its
// own, so that where the binary's code lands in physical memory, and so
// in the caches, is drawn anew for each sample instead of once per run.
// Run from the same file, one side's binary could be faster than the
// other's for a whole --base-ref run: unchanged code differed by up to
// ±8.8% between the sides, significantly, in 20 runs
// (docs/gate-quality.md). A copy turns that into noise within the pairs,
// which the paired test sees.
func freshCopy(path string) (string, error) {
	src, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("copy test binary: %w", err)
	}
	defer src.Close()
	dst, err := os.CreateTemp(filepath.Dir(path), strings.TrimSuffix(filepath.Base(path), ".test")+"-*.test")
	if err != nil {
		return "", fmt.Errorf("copy test binary: %w", err)
	}
	_, err = io.Copy(dst, src)
	if err == nil {
		err = dst.Chmod(0o755)
	}
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(dst.Name())
		return "", fmt.Errorf("copy test binary %s: %w", path, err)
	}
	return dst.Name(), nil
}

// benchItem is one benchmark of one package.
type benchItem struct{ pkg, name string }

// benchmarkItems lists the benchmarks of every side, each once, in the
// order of the first side that has it.
func benchmarkItems(sides []*side) []benchItem {
	var items []benchItem
	seen := make(map[benchItem]bool)
	for _, sd := range sides {
		for _, b := range sd.binaries {
			for _, name := range b.benchmarks {
				it := benchItem{b.pkg, name}
				if !seen[it] {
					seen[it] = true
					items = append(items, it)
				}
			}
		}
	}
	return items
}

func (sd *side) binary(pkg string) (goBinary, bool) {
	for _, b := range sd.binaries {
		if b.pkg == pkg {
			return b, true
		}
	}
	return goBinary{}, false
}

// argv is the command that runs one benchmark (and its sub-benchmarks, as
// far as g.Bench selects them) once.
func (b goBinary) argv(g *gate.GoBench, name string, timeout time.Duration) []string {
	pattern := "^" + name + "$"
	if _, sub, ok := splitBench(g.Bench); ok {
		pattern += "/" + sub
	}
	argv := []string{b.path, "-test.run", "^$", "-test.bench", pattern, "-test.count", "1",
		"-test.timeout", timeout.String()}
	if g.Benchtime != "" {
		argv = append(argv, "-test.benchtime", g.Benchtime)
	}
	if g.Benchmem {
		argv = append(argv, "-test.benchmem")
	}
	if g.Skip != "" {
		argv = append(argv, "-test.skip", g.Skip)
	}
	return argv
}

// splitBench splits a -bench pattern at its first slash outside brackets
// and parentheses, as the testing package splits it into the patterns of
// each level of sub-benchmarks.
func splitBench(pattern string) (top, sub string, ok bool) {
	depth := 0
	for i := 0; i < len(pattern); i++ {
		switch pattern[i] {
		case '\\':
			i++
		case '[', '(':
			depth++
		case ']', ')':
			if depth > 0 {
				depth--
			}
		case '/':
			if depth == 0 {
				return pattern[:i], pattern[i+1:], true
			}
		}
	}
	return pattern, "", false
}

// buildGo builds the test binary of every package of s.Go that has tests,
// on one side, into dir, and lists the benchmarks each runs. A failure is
// a *SuiteError whose output is <prefix>build.txt.
func (r *Runner) buildGo(ctx context.Context, s gate.Suite, sd *side, dir string) ([]goBinary, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("create directory for test binaries: %w", err)
	}
	env := r.environ(s, sd.name)
	lookup := newEnviron(env)
	var patterns []string
	for _, p := range s.Go.Packages {
		patterns = append(patterns, strings.Fields(os.Expand(p, lookup.value))...)
	}
	if len(patterns) == 0 {
		return nil, &SuiteError{Suite: s.Name, Side: sd.name, ExitCode: -1,
			Reason: fmt.Sprintf("go.packages %q expands to nothing; set the variables it uses in the suite's env", strings.Join(s.Go.Packages, " "))}
	}

	file := sd.prefix + "build.txt"
	logPath := filepath.Join(r.outDir(), s.Name, file)
	log, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("create output file: %w", err)
	}
	defer log.Close()
	sd.res.Summary.Outputs = append(sd.res.Summary.Outputs, filepath.Join(s.Name, file))
	buildErr := func(what string, x execResult) error {
		reason := what
		if f := x.failure(s.Timeout); f != "" {
			reason += ": " + f
		} else {
			reason += fmt.Sprintf(" (exit status %d)", x.exitCode)
		}
		log.Close()
		return &SuiteError{Suite: s.Name, Side: sd.name, Reason: reason, ExitCode: x.exitCode,
			Output: r.display(s.Name, file), Tail: tailOfFile(logPath, r.TailLines)}
	}
	run := func(argv []string, cwd string, stdout *os.File) (execResult, error) {
		fmt.Fprintf(log, "$ %s\n", strings.Join(argv, " "))
		x := execute(ctx, s.Timeout, argv, cwd, env, stdout, log)
		if x.canceled {
			return x, fmt.Errorf("suite %s: %w", s.Name, context.Cause(ctx))
		}
		return x, nil
	}

	list, err := os.CreateTemp(dir, "list-")
	if err != nil {
		return nil, fmt.Errorf("list packages: %w", err)
	}
	defer list.Close()
	argv := append([]string{"go", "list", "-f", "{{if or .TestGoFiles .XTestGoFiles}}{{.ImportPath}}\t{{.Dir}}{{end}}"}, patterns...)
	x, err := run(argv, sd.dir, list)
	if err != nil {
		return nil, err
	}
	if x.failure(s.Timeout) != "" || x.exitCode != 0 {
		return nil, buildErr("go list "+strings.Join(patterns, " ")+" failed", x)
	}
	var bins []goBinary
	for _, line := range readLines(list.Name()) {
		pkg, pkgDir, ok := strings.Cut(line, "\t")
		if !ok {
			continue
		}
		bins = append(bins, goBinary{pkg: pkg, dir: pkgDir, path: filepath.Join(dir, fmt.Sprintf("%d.test", len(bins)+1))})
	}

	top, _, _ := splitBench(s.Go.Bench)
	if top == "" {
		top = "."
	}
	out := bins[:0]
	for _, b := range bins {
		x, err := run([]string{"go", "test", "-c", "-o", b.path, b.pkg}, sd.dir, log)
		if err != nil {
			return nil, err
		}
		if x.failure(s.Timeout) != "" || x.exitCode != 0 {
			return nil, buildErr("build failed for "+b.pkg, x)
		}
		names, err := os.CreateTemp(dir, "names-")
		if err != nil {
			return nil, fmt.Errorf("list benchmarks: %w", err)
		}
		x, err = run([]string{b.path, "-test.list", top}, b.dir, names)
		names.Close()
		if err != nil {
			return nil, err
		}
		if x.failure(s.Timeout) != "" || x.exitCode != 0 {
			return nil, buildErr("listing the benchmarks of "+b.pkg+" failed", x)
		}
		for _, n := range readLines(names.Name()) {
			if strings.HasPrefix(n, "Benchmark") {
				b.benchmarks = append(b.benchmarks, n)
			}
		}
		if len(b.benchmarks) > 0 {
			out = append(out, b)
		}
	}
	return out, nil
}

func readLines(path string) []string {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var lines []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" {
			lines = append(lines, l)
		}
	}
	return lines
}

func countBenchmarks(bs []goBinary) string {
	n := 0
	for _, b := range bs {
		n += len(b.benchmarks)
	}
	return fmt.Sprintf("%d benchmarks in %d packages", n, len(bs))
}

func label(side string) string {
	if side == "" {
		return ""
	}
	return " " + side
}

func sidePart(side string) string {
	if side == "" {
		return "run"
	}
	return side
}
