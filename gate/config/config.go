package config

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

	"github.com/perfgate/perfgate/gate"
)

// DefaultFile is the configuration file perfgate reads at the root of a
// repository.
const DefaultFile = "perfgate.yml"

// Choices of the enumerated keys, in the order the documentation lists them.
var (
	Providers    = []string{"auto", "url", "docker", "local", "none"}
	CommentModes = []string{string(gate.CommentAlways), string(gate.CommentChanged), string(gate.CommentAlert), string(gate.CommentNever)}
	FailOnKinds  = []string{"regression", "target", "test"}
	SuiteKinds   = []string{string(gate.KindBench), string(gate.KindTest)}
)

// Keys of each mapping of perfgate.yml, in the documentation's order.
// Top-level keys starting with "x-" are ignored, so that they can hold
// YAML anchors shared by several suites.
var (
	topKeys       = []string{"postgres", "alpha", "threshold", "thresholds", "targets", "comment", "fail-on", "baselines", "suites"}
	suiteKeys     = []string{"name", "run", "go", "kind", "count", "timeout", "env", "profiles"}
	goBenchKeys   = []string{"packages", "bench", "skip", "benchtime", "benchmem"}
	profileKeys   = []string{"count", "timeout", "env"}
	thresholdKeys = []string{"benchmark", "metric", "threshold"}
	targetKeys    = []string{"benchmark", "metric", "max", "min"}
)

// Load reads and parses the configuration file at path. Errors name the
// file as path is written.
func Load(path string) (*gate.Config, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s: no such file; create it (see docs/configuration.md) or pass the path of your configuration", path)
	}
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return Parse(path, data)
}

// Parse parses a perfgate.yml held in data; name is the file name used in
// errors. The result has gate.Config.WithDefaults applied. When the file
// is not valid, the error is an ErrorList of every mistake found, each
// with its line and column.
func Parse(name string, data []byte) (*gate.Config, error) {
	data = bytes.TrimPrefix(data, []byte("\ufeff")) // a byte-order mark some editors write
	file, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil, syntaxError(name, err)
	}
	d := &decoder{file: name, anchors: make(map[string]ast.Node)}
	var body ast.Node
	if len(file.Docs) > 0 {
		body = file.Docs[0].Body
	}
	if len(file.Docs) > 1 {
		d.errorf(file.Docs[1], "a second YAML document; perfgate.yml holds one, so remove the '---' that starts it")
	}
	d.collectAnchors(body)
	c := d.config(body)
	if len(d.errs) > 0 {
		d.errs.sort()
		return nil, d.errs
	}
	c = c.WithDefaults()
	return &c, nil
}

// syntaxError turns a YAML syntax error into an ErrorList with a hint.
func syntaxError(name string, err error) error {
	var ye yaml.Error
	if !errors.As(err, &ye) {
		return ErrorList{{File: name, Line: 1, Column: 1, Msg: "invalid YAML: " + err.Error()}}
	}
	line, col := tokenPos(ye.GetToken())
	msg := ye.GetMessage()
	switch {
	case strings.Contains(msg, "not allowed in this context"), strings.Contains(msg, "unexpected key name"):
		msg += " (check the indentation of this line and that each key is followed by \": \")"
	case strings.Contains(msg, "'\t'"):
		msg = "a tab character; YAML is indented with spaces, not tabs"
	}
	return ErrorList{{File: name, Line: line, Column: col, Msg: "invalid YAML: " + msg}}
}

func (d *decoder) config(body ast.Node) gate.Config {
	var c gate.Config
	body = d.resolve(body)
	if body == nil {
		d.errorAtf(1, 1, "no suites; declare at least one under suites: (see docs/configuration.md)")
		return c
	}
	var suitesSeen bool
	fields, ok := d.mapping(body, "", "a mapping of settings such as suites:")
	if !ok {
		return c
	}
	for _, f := range fields {
		switch f.key {
		case "postgres":
			c.Postgres, _ = d.oneOf(f, "provider", Providers)
		case "alpha":
			if a, ok := d.fraction(f, "0.05"); ok {
				if a <= 0 || a >= 1 {
					d.errorf(f.value, "alpha: %s is out of range; use a significance level between 0 and 1 (exclusive), such as 0.05", scalarText(d, f.value))
				} else {
					c.Alpha = a
				}
			}
		case "threshold":
			if t, ok := d.fraction(f, "10%"); ok {
				if t == 0 {
					// gate.Config.WithDefaults reads a zero Threshold
					// as unset, so a literal 0% would silently be 10%.
					d.errorf(f.value, "threshold: 0%% is not supported; use a small positive value such as 0.1%% to flag every significant slowdown")
				} else {
					c.Threshold = t
				}
			}
		case "thresholds":
			c.Thresholds = d.thresholds(f)
		case "targets":
			c.Targets = d.targets(f)
		case "comment":
			if m, ok := d.oneOf(f, "comment mode", CommentModes); ok {
				c.Comment = gate.CommentMode(m)
			}
		case "fail-on":
			c.FailOn = d.failOn(f)
		case "baselines":
			c.Baselines, _ = d.str(f, "a directory such as baselines")
		case "suites":
			suitesSeen = true
			c.Suites = d.suites(f)
		default:
			if strings.HasPrefix(f.key, "x-") {
				continue // an extension key, e.g. holding an anchor
			}
			d.unknownKey(f, "", topKeys)
		}
	}
	if !suitesSeen {
		d.errorf(body, "no suites; declare at least one under suites: (see docs/configuration.md)")
	}
	return c
}

// scalarText is a scalar as written, for messages.
func scalarText(d *decoder, n ast.Node) string {
	s, _, _ := d.scalar(n)
	return s
}

func (d *decoder) failOn(f field) gate.FailOn {
	var fo gate.FailOn
	var items []ast.Node
	if _, ok := d.resolve(f.value).(*ast.SequenceNode); ok {
		items, _ = d.sequence(f.value, f.path, "a list such as [regression, target, test]")
	} else {
		items = []ast.Node{f.value} // fail-on: regression
	}
	for i, n := range items {
		k, ok := d.oneOf(field{key: f.key, keyAt: f.keyAt, value: n, path: index(f.path, i)}, "finding", FailOnKinds)
		if !ok {
			continue
		}
		switch k {
		case "regression":
			fo.Regression = true
		case "target":
			fo.Target = true
		case "test":
			fo.Test = true
		}
	}
	if len(items) == 0 || (len(items) == 1 && isNull(d.resolve(items[0]))) {
		// An empty FailOn is read as unset by gate.Config.WithDefaults.
		d.errorf(nodeOr(d.resolve(f.value), f.keyAt), "fail-on is empty; list at least one of regression, target, test (leave the key out to fail on all three)")
	}
	return fo
}

var safeName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

func (d *decoder) suites(f field) []gate.Suite {
	items, ok := d.sequence(f.value, f.path, "a list of suites, each starting with \"- name:\"")
	if !ok {
		return nil
	}
	if len(items) == 0 {
		d.errorf(f.keyAt, "suites is empty; declare at least one suite with name and run (see docs/configuration.md)")
		return nil
	}
	suites := make([]gate.Suite, 0, len(items))
	names := make(map[string]ast.Node) // lower-cased name -> where first used
	for i, item := range items {
		path := index("suites", i)
		s, nameAt := d.suite(item, path)
		if s.Name != "" {
			key := strings.ToLower(s.Name)
			if first, dup := names[key]; dup {
				line, _ := position(first)
				d.errorf(nameAt, "%s.name: suite name %q is already used at line %d; suite names must be unique (ignoring case) because they name files", path, s.Name, line)
			} else {
				names[key] = nameAt
			}
		}
		suites = append(suites, s)
	}
	return suites
}

func (d *decoder) suite(n ast.Node, path string) (s gate.Suite, nameAt ast.Node) {
	var hasName, hasRun bool
	var goAt, kindAt ast.Node
	ok := d.object(n, path, "a suite (a mapping with name and run)", suiteKeys, func(f field) {
		switch f.key {
		case "name":
			hasName = true
			nameAt = f.value
			if name, ok := d.str(f, "a name such as search"); ok {
				if !safeName.MatchString(name) || len(name) > 100 {
					d.errorf(f.value, "%s: %q is not a safe file name; use letters, digits, '.', '_' and '-', starting with a letter or digit (it names baselines/<name>.txt)", f.path, name)
				} else {
					s.Name = name
				}
			}
		case "run":
			hasRun = true
			s.Run, _ = d.str(f, "the shell command that prints the results, such as go test -run '^$' -bench . ./...")
		case "go":
			goAt = f.keyAt
			s.Go = d.goBench(f)
		case "kind":
			kindAt = f.value
			if k, ok := d.oneOf(f, "suite kind", SuiteKinds); ok {
				s.Kind = gate.SuiteKind(k)
			}
		case "count":
			s.Count, _ = d.integer(f, 1)
		case "timeout":
			s.Timeout, _ = d.duration(f)
		case "env":
			s.Env = d.env(f.value, f.path)
		case "profiles":
			s.Profiles = d.profiles(f)
		}
	})
	if !ok {
		return s, n
	}
	at := d.resolve(n)
	if !hasName {
		d.errorf(at, "%s: missing name; add name: with a unique name such as search", path)
	}
	switch {
	case hasRun && goAt != nil:
		d.errorf(goAt, "%s: both run and go; keep one: run: for a shell command, go: for Go benchmarks that perfgate runs one at a time", path)
	case !hasRun && goAt == nil:
		d.errorf(at, "%s: missing run; add run: with the shell command that prints the results (or go: with the packages of Go benchmarks)", path)
	case goAt != nil && s.Kind == gate.KindTest:
		d.errorf(kindAt, "%s.kind: a go: suite runs benchmarks (kind bench); for tests use run: go test -json ...", path)
	}
	if nameAt == nil {
		nameAt = at
	}
	return s, nameAt
}

// goBench decodes a suite's go: mapping.
func (d *decoder) goBench(f field) *gate.GoBench {
	g := &gate.GoBench{}
	var hasPackages bool
	d.object(f.value, f.path, "a mapping with packages and optionally bench, skip, benchtime, benchmem", goBenchKeys, func(h field) {
		switch h.key {
		case "packages":
			hasPackages = true
			g.Packages = d.words(h, "package patterns such as ./gate/... (a list, or one string of patterns separated by spaces)")
		case "bench":
			g.Bench, _ = d.str(h, "a regular expression such as . or ^BenchmarkParse")
		case "skip":
			g.Skip, _ = d.str(h, "a regular expression such as ^BenchmarkSlow")
		case "benchtime":
			g.Benchtime, _ = d.str(h, "a duration such as 200ms or a count such as 100x")
		case "benchmem":
			g.Benchmem, _ = d.boolean(h)
		}
	})
	if !hasPackages {
		d.errorf(f.keyAt, "%s: missing packages; add packages: with the package patterns, such as ./...", f.path)
	}
	return g
}

// words decodes a list of strings, or one string of words separated by
// spaces.
func (d *decoder) words(f field, example string) []string {
	if _, ok := d.resolve(f.value).(*ast.SequenceNode); !ok {
		s, ok := d.str(f, example)
		if !ok {
			return nil
		}
		return strings.Fields(s)
	}
	items, _ := d.sequence(f.value, f.path, example)
	var out []string
	for i, n := range items {
		if s, ok := d.str(field{key: f.key, keyAt: f.keyAt, value: n, path: index(f.path, i)}, example); ok {
			out = append(out, strings.Fields(s)...)
		}
	}
	if len(out) == 0 {
		d.errorf(f.keyAt, "%s is empty; write %s", f.path, example)
	}
	return out
}

func (d *decoder) profiles(f field) map[string]gate.Profile {
	fields, ok := d.mapping(f.value, f.path, "a mapping of profile names to overrides, such as quick: {count: 1}")
	if !ok || len(fields) == 0 {
		return nil
	}
	profiles := make(map[string]gate.Profile, len(fields))
	for _, pf := range fields {
		if !safeName.MatchString(pf.key) {
			d.errorf(pf.keyAt, "%s: profile name %q is not valid; use letters, digits, '.', '_' and '-'", f.path, pf.key)
			continue
		}
		var p gate.Profile
		d.object(pf.value, pf.path, "a profile (a mapping with count, timeout or env)", profileKeys, func(g field) {
			switch g.key {
			case "count":
				p.Count, _ = d.integer(g, 1)
			case "timeout":
				p.Timeout, _ = d.duration(g)
			case "env":
				p.Env = d.env(g.value, g.path)
			}
		})
		profiles[pf.key] = p
	}
	return profiles
}

// regexpField compiles a benchmark regexp, reporting a syntax error at the
// value's position.
func (d *decoder) regexpField(f field) (*regexp.Regexp, string, bool) {
	s, ok := d.str(f, "a regular expression such as ^Search")
	if !ok {
		return nil, "", false
	}
	re, err := regexp.Compile(s)
	if err != nil {
		msg := err.Error()
		var se *syntax.Error
		if errors.As(err, &se) {
			msg = se.Code.String()
			if se.Expr != "" && se.Expr != s {
				msg += " at " + strconvQuote(se.Expr)
			}
		}
		d.errorf(f.value, "%s: invalid regular expression %s: %s (Go RE2 syntax; escape literal characters with \\)", f.path, strconvQuote(s), msg)
		return nil, "", false
	}
	return re, s, true
}

func strconvQuote(s string) string { return fmt.Sprintf("%q", s) }

// metricField decodes a unit such as ns/op or p95-ns/op.
func (d *decoder) metricField(f field) (string, bool) {
	s, ok := d.str(f, "a unit such as p95-ns/op")
	if !ok {
		return "", false
	}
	if strings.ContainsAny(s, " \t") {
		d.errorf(f.value, "%s: %q is not a unit; units have no spaces (e.g. ns/op, p95-ns/op, req/s)", f.path, s)
		return "", false
	}
	return s, true
}

func (d *decoder) thresholds(f field) []gate.ThresholdRule {
	items, ok := d.sequence(f.value, f.path, "a list of rules, each such as {benchmark: ^Search, threshold: 25%}")
	if !ok {
		return nil
	}
	rules := make([]gate.ThresholdRule, 0, len(items))
	for i, item := range items {
		path := index(f.path, i)
		var r gate.ThresholdRule
		var hasThreshold, hasMatch, bad bool
		ok := d.object(item, path, "a rule (a mapping with benchmark, metric and threshold)", thresholdKeys, func(g field) {
			switch g.key {
			case "benchmark":
				hasMatch = true
				var ok bool
				if r.Benchmark, _, ok = d.regexpField(g); !ok {
					bad = true
				}
			case "metric":
				hasMatch = true
				var ok bool
				if r.Metric, ok = d.metricField(g); !ok {
					bad = true
				}
			case "threshold":
				hasThreshold = true
				var ok bool
				if r.Threshold, ok = d.fraction(g, "25%"); !ok {
					bad = true
				}
			}
		})
		if !ok {
			continue
		}
		at := d.resolve(item)
		if !hasThreshold {
			d.errorf(at, "%s: missing threshold; add threshold: with a percentage such as 25%%", path)
			bad = true
		}
		if !hasMatch {
			d.errorf(at, "%s: a rule needs benchmark, metric or both; to change the threshold of every benchmark, set the top-level threshold instead", path)
			bad = true
		}
		if !bad {
			rules = append(rules, r)
		}
	}
	return rules
}

func (d *decoder) targets(f field) []gate.Target {
	items, ok := d.sequence(f.value, f.path, "a list of targets, each such as {benchmark: ^Search, metric: p95-ns/op, max: 500ms}")
	if !ok {
		return nil
	}
	targets := make([]gate.Target, 0, len(items))
	for i, item := range items {
		path := index(f.path, i)
		var t gate.Target
		var reText string
		var limit *field
		var bad, hasBench, hasMetric bool
		ok := d.object(item, path, "a target (a mapping with benchmark, metric and max or min)", targetKeys, func(g field) {
			switch g.key {
			case "benchmark":
				hasBench = true
				var ok bool
				if t.Benchmark, reText, ok = d.regexpField(g); !ok {
					bad = true
				}
			case "metric":
				hasMetric = true
				var ok bool
				if t.Metric, ok = d.metricField(g); !ok {
					bad = true
				}
			case "max", "min":
				if limit != nil {
					d.errorf(g.keyAt, "%s: both max and min; a target is one limit, so split it into two targets", path)
					bad = true
					return
				}
				limit = &g
			}
		})
		if !ok {
			continue
		}
		at := d.resolve(item)
		if !hasBench {
			d.errorf(at, "%s: missing benchmark; add benchmark: with a regular expression such as ^Search (. matches every benchmark)", path)
			bad = true
		}
		if !hasMetric {
			d.errorf(at, "%s: missing metric; add metric: with the unit to check, such as p95-ns/op", path)
			bad = true
		}
		if limit == nil {
			d.errorf(at, "%s: missing max or min; add max: 500ms for an upper limit or min: 1000 for a lower one", path)
			bad = true
		}
		if bad || t.Metric == "" {
			continue
		}
		lim, text, ok := d.limit(*limit, t.Metric)
		if !ok {
			continue
		}
		t.Op, t.Limit = gate.AtMost, lim
		if limit.key == "min" {
			t.Op = gate.AtLeast
		}
		t.Text = fmt.Sprintf("%s %s %s %s", reText, t.Metric, t.Op, text)
		targets = append(targets, t)
	}
	return targets
}

// orderedKeys returns the keys of a map sorted, for messages.
func orderedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
