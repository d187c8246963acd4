package run

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"golang.org/x/perf/benchfmt"

	"github.com/perfgate/perfgate/gate"
)

// maxWarnings bounds the parse warnings kept per run: a command printing
// thousands of malformed lines needs a few examples, not all of them.
const maxWarnings = 20

// parsed is what one run's stdout held.
type parsed struct {
	results  []*benchfmt.Result // owned copies
	units    []*benchfmt.UnitMetadata
	warnings []string
	dropped  int // warnings beyond maxWarnings

	// Test suites only.
	passed, failed, skipped int
	failures                []gate.TestFailure // leaf tests first, then packages failing without a failing test
	testFailures            int                // how many of failures are tests (the rest are packages)
	buildFailed             []string           // packages whose build failed
	tail                    []string           // decoded output, for SuiteError
}

func (p *parsed) warn(msg string) {
	if len(p.warnings) >= maxWarnings {
		p.dropped++
		return
	}
	p.warnings = append(p.warnings, msg)
}

// readBench reads Go benchmark format from rd into p. fixLine, when not
// nil, maps a line of the input to the line of the file it came from.
func (p *parsed) readBench(rd *benchfmt.Reader, fixLine func(int) int) {
	for rd.Scan() {
		switch rec := rd.Result().(type) {
		case *benchfmt.Result:
			p.results = append(p.results, rec.Clone())
		case *benchfmt.UnitMetadata:
			p.units = append(p.units, rec)
		case *benchfmt.SyntaxError:
			e := *rec
			if fixLine != nil {
				e.Line = fixLine(e.Line)
			}
			p.warn(e.Error())
		}
	}
	if err := rd.Err(); err != nil {
		// Typically a line longer than bufio.MaxScanTokenSize.
		p.warn(fmt.Sprintf("%v; the rest of the output was not read", err))
	}
}

// parseBench parses a bench suite's stdout. name is the file name used in
// warnings.
func parseBench(r io.Reader, name string) *parsed {
	p := new(parsed)
	p.readBench(benchfmt.NewReader(r, name), nil)
	return p
}

// testEvent is one line of `go test -json` (cmd/test2json).
type testEvent struct {
	Action      string
	Package     string
	Test        string
	Output      string
	ImportPath  string // build-output and build-fail events
	FailedBuild string // a package's fail event when its build failed
}

// stream collects one package's output that may hold benchmark results,
// remembering which line of the JSON file each of its lines came from.
type stream struct {
	buf     bytes.Buffer
	lineAt  []int
	atStart bool
}

func (s *stream) add(text string, fileLine int) {
	for text != "" {
		if s.atStart || len(s.lineAt) == 0 {
			s.lineAt = append(s.lineAt, fileLine)
			s.atStart = false
		}
		i := strings.IndexByte(text, '\n')
		if i < 0 {
			s.buf.WriteString(text)
			return
		}
		s.buf.WriteString(text[:i+1])
		text = text[i+1:]
		s.atStart = true
	}
}

// lineRing keeps the last n lines of a text written in pieces.
type lineRing struct {
	n       int
	lines   []string
	partial strings.Builder
	skip    func(string) bool
}

func (r *lineRing) write(text string) {
	for text != "" {
		i := strings.IndexByte(text, '\n')
		if i < 0 {
			r.partial.WriteString(text)
			return
		}
		r.partial.WriteString(text[:i])
		text = text[i+1:]
		r.push(r.partial.String())
		r.partial.Reset()
	}
}

func (r *lineRing) push(line string) {
	line = strings.TrimRight(line, "\r")
	if r.skip != nil && r.skip(line) {
		return
	}
	if len(r.lines) == r.n {
		copy(r.lines, r.lines[1:])
		r.lines = r.lines[:r.n-1]
	}
	r.lines = append(r.lines, line)
}

func (r *lineRing) get() []string {
	out := append([]string(nil), r.lines...)
	if r.partial.Len() > 0 {
		out = append(out, r.partial.String())
		if len(out) > r.n {
			out = out[1:]
		}
	}
	return out
}

func (r *lineRing) text() string { return strings.Join(r.get(), "\n") }

// noise are go test's framing lines, left out of a failing test's output.
func noise(line string) bool {
	for _, p := range []string{"=== RUN", "=== PAUSE", "=== CONT", "=== NAME"} {
		if strings.HasPrefix(line, p) {
			return true
		}
	}
	return false
}

type testKey struct{ pkg, test string }

// parseTestJSON parses a test suite's stdout, the output of `go test -json`.
// Lines that are not JSON events are read as plain text, so benchmark
// results printed around the JSON are results too. name is the file name
// used in warnings; tailN bounds the output kept per failing test.
func parseTestJSON(r io.Reader, name string, tailN int) (*parsed, error) {
	p := new(parsed)
	var (
		streams     = make(map[string]*stream)
		streamOrder []string
		testOut     = make(map[testKey]*lineRing)
		pkgOut      = make(map[string]*lineRing)
		buildOut    = make(map[string]*lineRing)
		failedKeys  []testKey
		failedOut   = make(map[testKey]string) // output of the first failing execution
		pkgFailed   []string
		pkgBuild    = make(map[string]string)
		tail        = &lineRing{n: tailN}
	)
	streamFor := func(pkg string) *stream {
		s, ok := streams[pkg]
		if !ok {
			s = new(stream)
			streams[pkg] = s
			streamOrder = append(streamOrder, pkg)
		}
		return s
	}
	ringFor := func(m map[string]*lineRing, k string) *lineRing {
		rg, ok := m[k]
		if !ok {
			rg = &lineRing{n: tailN, skip: noise}
			m[k] = rg
		}
		return rg
	}

	br := bufio.NewReaderSize(r, 64<<10)
	for lineNo := 1; ; lineNo++ {
		line, err := br.ReadBytes('\n')
		if len(line) == 0 && err != nil {
			if !errors.Is(err, io.EOF) {
				return nil, fmt.Errorf("read %s: %w", name, err)
			}
			break
		}
		var ev testEvent
		if bytes.HasPrefix(line, []byte("{")) && json.Unmarshal(line, &ev) == nil && ev.Action != "" {
			switch ev.Action {
			case "run":
				// -count N runs a test N times: keep each execution's
				// output apart.
				delete(testOut, testKey{ev.Package, ev.Test})
			case "output":
				tail.write(ev.Output)
				if ev.Test == "" {
					ringFor(pkgOut, ev.Package).write(ev.Output)
				} else {
					k := testKey{ev.Package, ev.Test}
					rg, ok := testOut[k]
					if !ok {
						rg = &lineRing{n: tailN, skip: noise}
						testOut[k] = rg
					}
					rg.write(ev.Output)
				}
				// Output of tests is their own chatter; a line of it
				// reading "key: value" must not become a file
				// configuration key that splits the results.
				if ev.Test == "" || strings.HasPrefix(ev.Test, "Benchmark") {
					streamFor(ev.Package).add(ev.Output, lineNo)
				}
			case "build-output":
				tail.write(ev.Output)
				ringFor(buildOut, ev.ImportPath).write(ev.Output)
			case "pass", "skip", "fail":
				if ev.Test == "" {
					if ev.Action == "fail" {
						pkgFailed = append(pkgFailed, ev.Package)
						if ev.FailedBuild != "" {
							pkgBuild[ev.Package] = ev.FailedBuild
						}
					}
					continue
				}
				bench := strings.HasPrefix(ev.Test, "Benchmark")
				switch {
				case ev.Action == "fail":
					k := testKey{ev.Package, ev.Test}
					if _, seen := failedOut[k]; !seen {
						failedKeys = append(failedKeys, k)
						var out string
						if rg := testOut[k]; rg != nil {
							out = rg.text()
						}
						failedOut[k] = out
					}
					// A failing benchmark is a failing test: its
					// checks failed, whatever it measured.
					p.failed++
				case bench:
				case ev.Action == "pass":
					p.passed++
				case ev.Action == "skip":
					p.skipped++
				}
			}
			continue
		}
		text := string(line)
		tail.write(text)
		streamFor("").add(text, lineNo)
	}

	// Benchmark results, package by package.
	rd := new(benchfmt.Reader)
	for _, pkg := range streamOrder {
		s := streams[pkg]
		rd.Reset(bytes.NewReader(s.buf.Bytes()), name)
		p.readBench(rd, func(l int) int {
			if l >= 1 && l <= len(s.lineAt) {
				return s.lineAt[l-1]
			}
			return l
		})
	}

	// Failing tests: only the leaves, since a parent fails with its
	// subtests and says nothing more.
	failingPkg := make(map[string]bool)
	for _, k := range failedKeys {
		if hasFailingChild(k, failedKeys) {
			continue
		}
		failingPkg[k.pkg] = true
		p.failures = append(p.failures, gate.TestFailure{Package: k.pkg, Test: k.test, Output: failedOut[k]})
	}
	p.testFailures = len(p.failures)
	// Packages that failed without a failing test: a build failure, a
	// panic in TestMain or init, a -timeout outside any test.
	for _, pkg := range pkgFailed {
		if failingPkg[pkg] {
			continue
		}
		var out string
		if ip, ok := pkgBuild[pkg]; ok {
			p.buildFailed = append(p.buildFailed, pkg)
			if rg := buildOut[ip]; rg != nil {
				out = rg.text()
			}
		}
		if out == "" {
			if rg := pkgOut[pkg]; rg != nil {
				out = rg.text()
			}
		}
		p.failures = append(p.failures, gate.TestFailure{Package: pkg, Output: out})
	}
	p.tail = tail.get()
	return p, nil
}

func hasFailingChild(k testKey, all []testKey) bool {
	prefix := k.test + "/"
	for _, o := range all {
		if o.pkg == k.pkg && strings.HasPrefix(o.test, prefix) {
			return true
		}
	}
	return false
}
