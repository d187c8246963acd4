package config_test

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/perfgate/perfgate/gate"
	"github.com/perfgate/perfgate/gate/config"
)

const fixtures = "../../testdata/config"

func TestLoadFull(t *testing.T) {
	t.Parallel()
	c, err := config.Load(filepath.Join(fixtures, "full.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Postgres != "local" || c.Alpha != 0.01 || c.Threshold != 0.05 || c.Comment != gate.CommentAlert || c.Baselines != "perf/baselines" {
		t.Errorf("top level = %q %v %v %q %q", c.Postgres, c.Alpha, c.Threshold, c.Comment, c.Baselines)
	}
	if want := (gate.FailOn{Regression: true, Test: true}); c.FailOn != want {
		t.Errorf("FailOn = %+v, want %+v", c.FailOn, want)
	}

	if len(c.Thresholds) != 2 {
		t.Fatalf("Thresholds = %+v", c.Thresholds)
	}
	if r := c.Thresholds[0]; r.Benchmark.String() != "^SearchCode" || r.Metric != "p95-ns/op" || r.Threshold != 0.25 {
		t.Errorf("Thresholds[0] = %v %q %v", r.Benchmark, r.Metric, r.Threshold)
	}
	if r := c.Thresholds[1]; r.Benchmark != nil || r.Metric != "allocs/op" || r.Threshold != 0.02 {
		t.Errorf("Thresholds[1] = %v %q %v", r.Benchmark, r.Metric, r.Threshold)
	}
	if got := c.ThresholdFor("SearchCode/size=1k-8", "p95-ns/op", "p95-sec/op"); got != 0.25 {
		t.Errorf("ThresholdFor(SearchCode, p95) = %v, want 0.25", got)
	}

	if len(c.Targets) != 2 {
		t.Fatalf("Targets = %+v", c.Targets)
	}
	if tg := c.Targets[0]; tg.Benchmark.String() != "^SearchCode$" || tg.Metric != "p95-ns/op" || tg.Op != gate.AtMost || tg.Limit != 0.5 || tg.Text != "^SearchCode$ p95-ns/op <= 500ms" {
		t.Errorf("Targets[0] = %+v", tg)
	}
	if tg := c.Targets[1]; tg.Metric != "req/s" || tg.Op != gate.AtLeast || tg.Limit != 1000 || tg.Text != "^Load/ req/s >= 1000" {
		t.Errorf("Targets[1] = %+v", tg)
	}

	if len(c.Suites) != 2 {
		t.Fatalf("Suites = %+v", c.Suites)
	}
	s := c.Suites[0]
	want := gate.Suite{
		Name:    "search",
		Run:     "go test -run '^$' -bench . -count 5 ./servers/codebase/...",
		Env:     map[string]string{"SEARCH_CORPUS": "large", "GOMAXPROCS": "2"},
		Count:   3,
		Timeout: 15 * time.Minute, // merged from x-go-bench
		Kind:    gate.KindBench,
		Profiles: map[string]gate.Profile{
			"quick": {Env: map[string]string{"SEARCH_CORPUS": "small"}, Count: 1, Timeout: 2 * time.Minute},
		},
	}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("Suites[0] =\n%+v\nwant\n%+v", s, want)
	}
	it := c.Suites[1]
	if it.Name != "integration" || it.Kind != gate.KindTest || it.Run != "go test -json -count 1 ./servers/...\n" || it.Count != 1 || it.Timeout != 20*time.Minute {
		t.Errorf("Suites[1] = %+v", it)
	}
	if got := config.ProfileNames(c); !reflect.DeepEqual(got, []string{"quick"}) {
		t.Errorf("ProfileNames = %q", got)
	}
}

func TestLoadMinimalDefaults(t *testing.T) {
	t.Parallel()
	c, err := config.Load(filepath.Join(fixtures, "minimal.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Postgres != gate.DefaultProvider || c.Alpha != gate.DefaultAlpha || c.Threshold != gate.DefaultThreshold ||
		c.Comment != gate.DefaultCommentMode || c.FailOn != gate.DefaultFailOn() || c.Baselines != gate.DefaultBaselineDir {
		t.Errorf("defaults not applied: %+v", c)
	}
	s := c.Suites[0]
	if s.Name != "gate" || s.Count != 1 || s.Timeout != gate.DefaultSuiteTimeout || s.Kind != gate.KindBench {
		t.Errorf("suite defaults not applied: %+v", s)
	}
}

func TestLoadInvalidFixture(t *testing.T) {
	t.Parallel()
	path := filepath.Join(fixtures, "invalid.yml")
	_, err := config.Load(path)
	want := path + `:5:5: unknown key "treshold" in suites[0]; known keys: name, run, go, kind, count, timeout, env, profiles`
	if err == nil || err.Error() != want {
		t.Fatalf("Load error =\n%v\nwant\n%s", err, want)
	}
	var ce *config.Error
	if !errors.As(err, &ce) || ce.Line != 5 || ce.Column != 5 {
		t.Errorf("errors.As(*config.Error) = %+v", ce)
	}
}

func TestLoadMissingFile(t *testing.T) {
	t.Parallel()
	_, err := config.Load(filepath.Join(t.TempDir(), "perfgate.yml"))
	if err == nil || !strings.Contains(err.Error(), "no such file; create it") {
		t.Errorf("Load(missing) = %v", err)
	}
}

// TestDocsExample keeps the full example of docs/configuration.md valid.
func TestDocsExample(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile("../../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	const start = "<!-- example -->\n```yaml\n"
	i := strings.Index(string(doc), start)
	if i < 0 {
		t.Fatal("docs/configuration.md has no full example marked <!-- example -->")
	}
	rest := string(doc[i+len(start):])
	example := rest[:strings.Index(rest, "```")]
	c, err := config.Parse("docs/configuration.md", []byte(example))
	if err != nil {
		t.Fatalf("the documented example does not parse:\n%v", err)
	}
	if len(c.Suites) == 0 || len(c.Targets) == 0 || len(c.Thresholds) == 0 {
		t.Errorf("the documented example should show suites, targets and thresholds: %+v", c)
	}
}

func TestParseValues(t *testing.T) {
	t.Parallel()
	const suite = "\nsuites: [{name: s, run: r}]\n"
	tests := []struct {
		name  string
		yaml  string
		check func(*gate.Config) bool
	}{
		{"threshold as a fraction", "threshold: 0.15", func(c *gate.Config) bool { return c.Threshold == 0.15 }},
		{"threshold as a percentage", "threshold: 12.5%", func(c *gate.Config) bool { return c.Threshold == 0.125 }},
		{"threshold of 100%", "threshold: 1", func(c *gate.Config) bool { return c.Threshold == 1 }},
		{"quoted threshold", `threshold: "7%"`, func(c *gate.Config) bool { return c.Threshold == 0.07 }},
		{"alpha as a percentage", "alpha: 1%", func(c *gate.Config) bool { return c.Alpha == 0.01 }},
		{"rule threshold of 0%", "thresholds: [{metric: errors/op, threshold: 0%}]", func(c *gate.Config) bool {
			return c.Thresholds[0].Threshold == 0 && c.ThresholdFor("X", "errors/op") == 0
		}},
		{"fail-on as one word", "fail-on: target", func(c *gate.Config) bool { return c.FailOn == gate.FailOn{Target: true} }},
		{"target in plain ns", "targets: [{benchmark: ., metric: p95-ns/op, max: 1000}]", func(c *gate.Config) bool {
			return math.Abs(c.Targets[0].Limit-1e-6) < 1e-18 && c.Targets[0].Op == gate.AtMost
		}},
		{"target as a duration in seconds", "targets: [{benchmark: ., metric: ns/op, max: 2s}]", func(c *gate.Config) bool { return c.Targets[0].Limit == 2 }},
		{"target in MB/s is tidied to B/s", "targets: [{benchmark: ., metric: MB/s, min: 100}]", func(c *gate.Config) bool {
			return c.Targets[0].Limit == 100e6 && c.Targets[0].Op == gate.AtLeast
		}},
		{"target in a custom unit", "targets: [{benchmark: ., metric: mrr, min: 0.8}]", func(c *gate.Config) bool { return c.Targets[0].Limit == 0.8 }},
		{"byte-order mark", "\ufeffthreshold: 20%", func(c *gate.Config) bool { return c.Threshold == 0.2 }},
		{"x- keys are ignored", "x-anything: {a: 1}", func(c *gate.Config) bool { return len(c.Suites) == 1 }},
		{"go suite", "suites: [{name: s, go: {packages: [./a/..., ./b], bench: Parse, skip: Slow, benchtime: 200ms, benchmem: true}}]", func(c *gate.Config) bool {
			return c.Suites[0].Run == "" && reflect.DeepEqual(*c.Suites[0].Go, gate.GoBench{
				Packages: []string{"./a/...", "./b"}, Bench: "Parse", Skip: "Slow", Benchtime: "200ms", Benchmem: true})
		}},
		{"go packages as one string", `suites: [{name: s, go: {packages: "./a ${PKGS}"}}]`, func(c *gate.Config) bool {
			return reflect.DeepEqual(c.Suites[0].Go.Packages, []string{"./a", "${PKGS}"}) && !c.Suites[0].Go.Benchmem
		}},
		{"env values as written", "suites: [{name: s, run: r, env: {N: 1000, ON: true, EMPTY: }}]", func(c *gate.Config) bool {
			return reflect.DeepEqual(c.Suites[0].Env, map[string]string{"N": "1000", "ON": "true", "EMPTY": ""})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			src := tt.yaml
			if !strings.Contains(src, "suites:") {
				src += suite
			}
			c, err := config.Parse("perfgate.yml", []byte(src))
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(c) {
				t.Errorf("unexpected config for %q: %+v", tt.yaml, c)
			}
		})
	}
}

// TestParseErrors shows, for each kind of mistake, the exact message a
// user sees.
func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		yaml string
		want string
	}{
		{"typo in a suite key", `
suites:
  - name: a
    run: r
  - name: b
    run: r
    treshold: 10%
`, `perfgate.yml:7:5: unknown key "treshold" in suites[1]; known keys: name, run, go, kind, count, timeout, env, profiles`},
		{"typo in a top-level key", `
treshold: 10%
suites: [{name: a, run: r}]
`, `perfgate.yml:2:1: unknown key "treshold" (did you mean "threshold"?)`},
		{"typo in a suite key with a suggestion", `
suites:
  - name: a
    run: r
    coutn: 3
`, `perfgate.yml:5:5: unknown key "coutn" in suites[0] (did you mean "count"?)`},
		{"unknown key far from any", `
suites: [{name: a, run: r}]
whatever: 1
`, `perfgate.yml:3:1: unknown key "whatever"; known keys: postgres, alpha, threshold, thresholds, targets, comment, fail-on, baselines, suites`},
		{"typo in a profile", `
suites:
  - name: a
    run: r
    profiles:
      quick: {count: 1, timout: 1m}
`, `perfgate.yml:6:25: unknown key "timout" in suites[0].profiles.quick (did you mean "timeout"?)`},
		{"no suites", `alpha: 0.05`, `perfgate.yml:1:1: no suites; declare at least one under suites: (see docs/configuration.md)`},
		{"empty file", ``, `perfgate.yml:1:1: no suites; declare at least one under suites: (see docs/configuration.md)`},
		{"empty suites", "suites: []\n", `perfgate.yml:1:1: suites is empty; declare at least one suite with name and run (see docs/configuration.md)`},
		{"suites as a mapping", `
suites:
  search: {run: r}
`, `perfgate.yml:3:3: suites: expected a list of suites, each starting with "- name:", got a mapping`},
		{"duplicate suite names", `
suites:
  - name: search
    run: r
  - name: Search
    run: r
`, `perfgate.yml:5:11: suites[1].name: suite name "Search" is already used at line 3; suite names must be unique (ignoring case) because they name files`},
		{"unsafe suite name", `
suites:
  - name: ../etc
    run: r
`, `perfgate.yml:3:11: suites[0].name: "../etc" is not a safe file name; use letters, digits, '.', '_' and '-', starting with a letter or digit (it names baselines/<name>.txt)`},
		{"missing run", `
suites:
  - name: a
`, `perfgate.yml:3:5: suites[0]: missing run; add run: with the shell command that prints the results (or go: with the packages of Go benchmarks)`},
		{"run and go", `
suites:
  - name: a
    run: r
    go: {packages: ./...}
`, `perfgate.yml:5:5: suites[0]: both run and go; keep one: run: for a shell command, go: for Go benchmarks that perfgate runs one at a time`},
		{"go without packages", `
suites:
  - name: a
    go: {bench: .}
`, `perfgate.yml:4:5: suites[0].go: missing packages; add packages: with the package patterns, such as ./...`},
		{"go suite of kind test", `
suites:
  - name: a
    kind: test
    go: {packages: ./...}
`, `perfgate.yml:4:11: suites[0].kind: a go: suite runs benchmarks (kind bench); for tests use run: go test -json ...`},
		{"go benchmem not a boolean", `
suites:
  - name: a
    go: {packages: ./..., benchmem: yes please}
`, `perfgate.yml:4:37: suites[0].go.benchmem: expected true or false`},
		{"go unknown key", `
suites:
  - name: a
    go: {packages: ./..., count: 3}
`, `perfgate.yml:4:27: unknown key "count" in suites[0].go; known keys: packages, bench, skip, benchtime, benchmem`},
		{"empty run", `
suites:
  - name: a
    run: ""
`, `perfgate.yml:4:10: suites[0].run is empty; write the shell command that prints the results, such as go test -run '^$' -bench . ./...`},
		{"missing name", `
suites:
  - run: r
`, `perfgate.yml:3:5: suites[0]: missing name; add name: with a unique name such as search`},
		{"count zero", `
suites: [{name: a, run: r, count: 0}]
`, `perfgate.yml:2:35: suites[0].count: 0 is too small; use 1 or more`},
		{"count as text", `
suites: [{name: a, run: r, count: many}]
`, `perfgate.yml:2:35: suites[0].count: expected a whole number such as 3, got "many"`},
		{"timeout without unit", `
suites: [{name: a, run: r, timeout: 600}]
`, `perfgate.yml:2:37: suites[0].timeout: 600 has no unit; write a duration such as 600s or 10m`},
		{"timeout not a duration", `
suites: [{name: a, run: r, timeout: ten minutes}]
`, `perfgate.yml:2:37: suites[0].timeout: "ten minutes" is not a duration; write one such as 10m, 90s or 1h30m`},
		{"unknown kind", `
suites: [{name: a, run: r, kind: tests}]
`, `perfgate.yml:2:34: suites[0].kind: unknown suite kind "tests"; use one of bench, test (did you mean "test"?)`},
		{"bad env name", `
suites:
  - name: a
    run: r
    env:
      MY-VAR: 1
`, `perfgate.yml:6:7: suites[0].env: "MY-VAR" is not a valid environment variable name; use letters, digits and '_', not starting with a digit`},
		{"env value is a list", `
suites:
  - name: a
    run: r
    env:
      X: [1, 2]
`, `perfgate.yml:6:10: suites[0].env.X: expected a value such as "1000", got a list`},
		{"unknown provider", `
postgres: dockr
suites: [{name: a, run: r}]
`, `perfgate.yml:2:11: postgres: unknown provider "dockr"; use one of auto, url, docker, local, none (did you mean "docker"?)`},
		{"unknown comment mode", `
comment: sometimes
suites: [{name: a, run: r}]
`, `perfgate.yml:2:10: comment: unknown comment mode "sometimes"; use one of always, changed, alert, never`},
		{"alpha out of range", `
alpha: 1.5
suites: [{name: a, run: r}]
`, `perfgate.yml:2:8: alpha: the number 1.5 would mean 150%; write 1.5% for a percentage (plain numbers are fractions: 0.1 = 10%)`},
		{"alpha zero", `
alpha: 0
suites: [{name: a, run: r}]
`, `perfgate.yml:2:8: alpha: 0 is out of range; use a significance level between 0 and 1 (exclusive), such as 0.05`},
		{"threshold without percent sign", `
threshold: 10
suites: [{name: a, run: r}]
`, `perfgate.yml:2:12: threshold: the number 10 would mean 1000%; write 10% for a percentage (plain numbers are fractions: 0.1 = 10%)`},
		{"negative threshold", `
threshold: -5%
suites: [{name: a, run: r}]
`, `perfgate.yml:2:12: threshold: -5% is negative; use 0% or more`},
		{"threshold zero", `
threshold: 0%
suites: [{name: a, run: r}]
`, `perfgate.yml:2:12: threshold: 0% is not supported; use a small positive value such as 0.1% to flag every significant slowdown`},
		{"threshold not a number", `
threshold: ten
suites: [{name: a, run: r}]
`, `perfgate.yml:2:12: threshold: "ten" is not a number; write one such as 10%`},
		{"bad regexp in a rule", `
suites: [{name: a, run: r}]
thresholds:
  - benchmark: Search(
    threshold: 20%
`, `perfgate.yml:4:16: thresholds[0].benchmark: invalid regular expression "Search(": missing closing ) (Go RE2 syntax; escape literal characters with \)`},
		{"rule without threshold", `
suites: [{name: a, run: r}]
thresholds:
  - benchmark: ^Search
`, `perfgate.yml:4:5: thresholds[0]: missing threshold; add threshold: with a percentage such as 25%`},
		{"rule matching everything", `
suites: [{name: a, run: r}]
thresholds:
  - threshold: 20%
`, `perfgate.yml:4:5: thresholds[0]: a rule needs benchmark, metric or both; to change the threshold of every benchmark, set the top-level threshold instead`},
		{"bad regexp in a target", `
suites: [{name: a, run: r}]
targets:
  - benchmark: "*Search"
    metric: ns/op
    max: 1ms
`, `perfgate.yml:4:16: targets[0].benchmark: invalid regular expression "*Search": missing argument to repetition operator at "*" (Go RE2 syntax; escape literal characters with \)`},
		{"target with both limits", `
suites: [{name: a, run: r}]
targets:
  - benchmark: .
    metric: ns/op
    max: 1ms
    min: 1us
`, `perfgate.yml:7:5: targets[0]: both max and min; a target is one limit, so split it into two targets`},
		{"target without a limit", `
suites: [{name: a, run: r}]
targets:
  - benchmark: .
    metric: ns/op
`, `perfgate.yml:4:5: targets[0]: missing max or min; add max: 500ms for an upper limit or min: 1000 for a lower one`},
		{"target without metric", `
suites: [{name: a, run: r}]
targets:
  - benchmark: .
    max: 1ms
`, `perfgate.yml:4:5: targets[0]: missing metric; add metric: with the unit to check, such as p95-ns/op`},
		{"target without benchmark", `
suites: [{name: a, run: r}]
targets:
  - metric: ns/op
    max: 1ms
`, `perfgate.yml:4:5: targets[0]: missing benchmark; add benchmark: with a regular expression such as ^Search (. matches every benchmark)`},
		{"duration on a rate", `
suites: [{name: a, run: r}]
targets:
  - benchmark: .
    metric: req/s
    min: 500ms
`, `perfgate.yml:6:10: targets[0].min: 500ms is a duration, but req/s is not measured in nanoseconds; write a plain number in req/s`},
		{"limit not a number", `
suites: [{name: a, run: r}]
targets:
  - benchmark: .
    metric: p95-ns/op
    max: fast
`, `perfgate.yml:6:10: targets[0].max: "fast" is not a number; write a number in p95-ns/op or a duration such as 500ms`},
		{"unknown fail-on", `
suites: [{name: a, run: r}]
fail-on: [regression, targets]
`, `perfgate.yml:3:23: fail-on[1]: unknown finding "targets"; use one of regression, target, test (did you mean "target"?)`},
		{"empty fail-on", `
suites: [{name: a, run: r}]
fail-on: []
`, `perfgate.yml:3:10: fail-on is empty; list at least one of regression, target, test (leave the key out to fail on all three)`},
		{"unknown alias", `
suites: [{name: a, run: r, env: *nope}]
`, `perfgate.yml:2:33: unknown alias *nope; define it first with &nope`},
		{"bad indentation", `
suites:
  - name: a
   run: r
`, `perfgate.yml:4:4: invalid YAML: value is not allowed in this context (check the indentation of this line and that each key is followed by ": ")`},
		{"two documents", `
suites: [{name: a, run: r}]
---
suites: [{name: b, run: r}]
`, `perfgate.yml:4:1: a second YAML document; perfgate.yml holds one, so remove the '---' that starts it`},
		{"tab indentation", "suites:\n\t- name: a\n", `perfgate.yml:2:1: invalid YAML: a tab character; YAML is indented with spaces, not tabs`},
		{"run is a list", `
suites: [{name: a, run: [r]}]
`, `perfgate.yml:2:25: suites[0].run: expected text, got a list; write the shell command that prints the results, such as go test -run '^$' -bench . ./...`},
		{"alpha left empty", `
suites: [{name: a, run: r}]
alpha:
`, `perfgate.yml:3:1: alpha: expected a number such as 0.05, got nothing`},
		{"top level is a list", "- a\n", `perfgate.yml:1:1: expected a mapping of settings such as suites:, got a list`},
		{"duplicate key", `
suites: [{name: a, run: r}]
suites: [{name: b, run: r}]
`, `perfgate.yml:3:1: invalid YAML: mapping key "suites" already defined at [2:1]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := config.Parse("perfgate.yml", []byte(tt.yaml))
			if err == nil {
				t.Fatalf("Parse succeeded: %+v", c)
			}
			if err.Error() != tt.want {
				t.Errorf("Parse error =\n%s\nwant\n%s", err, tt.want)
			}
		})
	}
}

func TestParseReportsEveryMistake(t *testing.T) {
	t.Parallel()
	_, err := config.Parse("perfgate.yml", []byte(`
alpha: 2
suites:
  - name: a
    run: r
    count: -1
    kind: benchmark
`))
	var list config.ErrorList
	if !errors.As(err, &list) || len(list) != 3 {
		t.Fatalf("want 3 errors, got %v", err)
	}
	for i, line := range []int{2, 6, 7} {
		if list[i].Line != line {
			t.Errorf("error %d at line %d, want %d: %v", i, list[i].Line, line, list[i])
		}
	}
}

func TestCheckProfile(t *testing.T) {
	t.Parallel()
	c, err := config.Load(filepath.Join(fixtures, "full.yml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ name, want string }{
		{"", ""},
		{"quick", ""},
		{"quik", `unknown profile "quik" (did you mean "quick"?); the suites define: quick`},
	} {
		err := config.CheckProfile(c, tt.name)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tt.want {
			t.Errorf("CheckProfile(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
	minimal, err := config.Load(filepath.Join(fixtures, "minimal.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := config.CheckProfile(minimal, "quick"); err == nil || !strings.Contains(err.Error(), "no suite defines profiles") {
		t.Errorf("CheckProfile on a config without profiles = %v", err)
	}
}
