package load_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"strings"
	"testing"
	"time"

	"golang.org/x/perf/benchfmt"

	"github.com/perfgate/perfgate/gate/load"
	"github.com/perfgate/perfgate/gate/load/loadtest"
)

// scenario returns a built-in scenario or fails the test.
func scenario(t *testing.T, name string) load.Scenario {
	t.Helper()
	s, err := load.NewScenario(name, load.ScenarioConfig{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// run runs the driver and returns its result and its output as Printer
// writes it.
func run(t *testing.T, ctx context.Context, cfg load.Config) (*load.Result, string, error) {
	t.Helper()
	var out bytes.Buffer
	p := load.NewPrinter(&out, cfg)
	cfg.OnRound = func(r load.Round) {
		if err := p.Round(r); err != nil {
			t.Errorf("print round: %v", err)
		}
	}
	res, err := load.Run(ctx, cfg)
	return res, out.String(), err
}

// parsed is one result line read back with benchfmt.
type parsed struct {
	name   string
	iters  int
	values map[string]float64 // by original unit
}

// parse reads out with benchfmt, failing on any syntax error, and returns
// its results and unit metadata.
func parse(t *testing.T, out string) ([]parsed, map[benchfmt.UnitMetadataKey]string) {
	t.Helper()
	r := benchfmt.NewReader(strings.NewReader(out), "load.txt")
	var res []parsed
	units := map[benchfmt.UnitMetadataKey]string{}
	for r.Scan() {
		switch rec := r.Result().(type) {
		case *benchfmt.SyntaxError:
			t.Fatalf("benchfmt: %v\n%s", rec, out)
		case *benchfmt.UnitMetadata:
			units[rec.UnitMetadataKey] = rec.Value
		case *benchfmt.Result:
			p := parsed{name: string(rec.Name.Full()), iters: rec.Iters, values: map[string]float64{}}
			for _, v := range rec.Values {
				u, val := v.OrigUnit, v.OrigValue
				if u == "" {
					u, val = v.Unit, v.Value
				}
				p.values[u] = val
			}
			res = append(res, p)
		}
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	return res, units
}

func TestWorkflowMixCountsMatchServer(t *testing.T) {
	t.Parallel()
	srv := loadtest.New(t, loadtest.Options{Latency: time.Millisecond})
	cfg := load.Config{
		URL:      srv.URL,
		Scenario: scenario(t, "workflow-mix"),
		Clients:  8,
		Ramp:     100 * time.Millisecond,
		Duration: 500 * time.Millisecond,
		Rounds:   2,
		Think:    load.Range{Min: 0, Max: 2 * time.Millisecond},
	}
	res, out, err := run(t, t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	lines, units := parse(t, out)
	if len(lines) != 2*3 {
		t.Fatalf("%d result lines, want 6 (2 rounds x 3 tools):\n%s", len(lines), out)
	}

	// The server saw exactly the setup's calls, the warm-up's and the
	// measured ones.
	total := map[string]int64{}
	for _, l := range lines {
		tool := nameKey(t, l.name, "tool")
		total[tool] += int64(l.iters)
		if l.values["errors/op"] != 0 {
			t.Errorf("%s: errors/op %v, want 0 (a call of the wrong shape?)", l.name, l.values["errors/op"])
		}
		for _, u := range []string{"ns/op", "p50-ns/op", "p95-ns/op", "p99-ns/op", "calls/s"} {
			if !(l.values[u] > 0) {
				t.Errorf("%s: %s = %v, want > 0", l.name, u, l.values[u])
			}
		}
		if l.values["p50-ns/op"] < float64(time.Millisecond) || l.values["p50-ns/op"] > l.values["p99-ns/op"] {
			t.Errorf("%s: p50 %v p99 %v: want 1ms <= p50 <= p99", l.name, l.values["p50-ns/op"], l.values["p99-ns/op"])
		}
		if got, want := l.values["calls/s"], float64(l.iters)/cfg.Duration.Seconds(); math.Abs(got-want) > 0.01 {
			t.Errorf("%s: calls/s %v, want %v", l.name, got, want)
		}
	}
	for _, w := range res.Warmup.Tools {
		total[w.Tool] += w.Calls
	}
	for tool, n := range res.Setup {
		total[tool] += int64(n)
	}
	for _, tool := range []string{"switch_project", "query_entities", "query_work_items", "create_project"} {
		if got, want := srv.Calls(tool), total[tool]; got != want {
			t.Errorf("server counted %d calls of %s, the driver %d", got, tool, want)
		}
	}
	if res.Setup["create_project"] != 1 {
		t.Errorf("setup calls %v: want create_project once for a new server", res.Setup)
	}

	// Weights 40/40/20, generously.
	var all int64
	for _, n := range total {
		all += n
	}
	for tool, want := range map[string]float64{"switch_project": 0.4, "query_entities": 0.4, "query_work_items": 0.2} {
		share := float64(total[tool]) / float64(all)
		if math.Abs(share-want) > 0.15 {
			t.Errorf("%s: %.2f of the calls, want about %.2f (%v)", tool, share, want, total)
		}
	}

	checkUnits(t, units)
}

// checkUnits checks the Unit lines' directions and assumptions.
func checkUnits(t *testing.T, units map[benchfmt.UnitMetadataKey]string) {
	t.Helper()
	want := map[[2]string]string{
		{"p50-sec/op", "better"}: "lower",
		{"p95-sec/op", "better"}: "lower",
		{"p99-sec/op", "better"}: "lower",
		{"calls/s", "better"}:    "higher",
		{"errors/op", "assume"}:  "exact",
		{"errors/op", "better"}:  "lower",
	}
	for k, v := range want {
		if got := units[benchfmt.UnitMetadataKey{Unit: k[0], Key: k[1]}]; got != v {
			t.Errorf("Unit %s %s=%q, want %q (all: %v)", k[0], k[1], got, v, units)
		}
	}
}

// nameKey returns the value of /key=value in a benchmark name.
func nameKey(t *testing.T, name, key string) string {
	t.Helper()
	for _, part := range strings.Split(name, "/") {
		if k, v, ok := strings.Cut(part, "="); ok && k == key {
			return v
		}
	}
	t.Fatalf("%s: no key %s", name, key)
	return ""
}

func TestErrorsAreData(t *testing.T) {
	t.Parallel()
	srv := loadtest.New(t, loadtest.Options{ErrorEvery: 4})
	cfg := load.Config{
		URL:      srv.URL,
		Scenario: scenario(t, "codebase-search"),
		Clients:  4,
		Duration: 200 * time.Millisecond,
		Rounds:   3,
	}
	res, out, err := run(t, t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	lines, _ := parse(t, out)
	if len(lines) != 3 {
		t.Fatalf("%d lines, want 3 (3 rounds x search_code):\n%s", len(lines), out)
	}
	var calls, errs float64
	for _, l := range lines {
		calls += float64(l.iters)
		errs += l.values["errors/op"] * float64(l.iters)
		// The server fails every 4th call it counts, across clients:
		// a round's calls are a run of its count, give or take the
		// calls in flight at the round's ends.
		if e, n := l.values["errors/op"]*float64(l.iters), float64(l.iters); math.Abs(e-n/4) > float64(cfg.Clients)+1 {
			t.Errorf("%s: %v errors in %v calls, want about a quarter", l.name, e, n)
		}
	}

	// The server saw setup's calls, the warm-up's (while the clients
	// start their sessions) and the measured ones.
	w := res.Warmup.Tools[0]
	if got := srv.Calls("search_code") - int64(res.Setup["search_code"]) - w.Calls; float64(got) != calls {
		t.Errorf("server: %d calls after setup's and warm-up's, driver %v", got, calls)
	}
	if got := srv.Errors("search_code") - w.Errors; math.Abs(float64(got)-errs) > 0.5 {
		t.Errorf("server: %d errors after warm-up's, driver %v", got, errs)
	}
	if c, e := res.Calls(); float64(c) != calls || math.Abs(float64(e)-errs) > 0.5 {
		t.Errorf("Result.Calls() = %d, %d; output %v, %v", c, e, calls, errs)
	}
}

func TestTransportErrorsAreData(t *testing.T) {
	t.Parallel()
	// A call that outlives CallTimeout is an error with the timeout as
	// its latency.
	srv := loadtest.New(t, loadtest.Options{Latency: 200 * time.Millisecond})
	cfg := load.Config{
		URL:         srv.URL,
		Scenario:    scenario(t, "codebase-search"),
		Clients:     2,
		Duration:    300 * time.Millisecond,
		CallTimeout: 20 * time.Millisecond,
	}
	res, _, err := run(t, t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	s := res.Rounds[0].Tools[0]
	if s.Calls == 0 || s.Errors != s.Calls {
		t.Errorf("%d calls, %d errors: want every call an error", s.Calls, s.Errors)
	}
	if s.P50 < 20*time.Millisecond || s.P50 > 500*time.Millisecond {
		t.Errorf("p50 %v, want about the 20ms timeout", s.P50)
	}
}

func TestRampAndRounds(t *testing.T) {
	t.Parallel()
	srv := loadtest.New(t, loadtest.Options{})
	cfg := load.Config{
		URL:      srv.URL,
		Scenario: scenario(t, "codebase-search"),
		Clients:  5,
		Ramp:     500 * time.Millisecond,
		Duration: 150 * time.Millisecond,
		Rounds:   4,
		Think:    load.Range{Min: 5 * time.Millisecond, Max: 10 * time.Millisecond},
	}
	start := time.Now()
	res, out, err := run(t, t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(start)
	lines, _ := parse(t, out)
	if len(lines) != 4 || len(res.Rounds) != 4 {
		t.Errorf("%d lines, %d rounds; want 4 and 4:\n%s", len(lines), len(res.Rounds), out)
	}
	for i, r := range res.Rounds {
		if r.Index != i || r.Duration != cfg.Duration {
			t.Errorf("round %d: index %d, duration %v", i, r.Index, r.Duration)
		}
	}
	if res.Warmup.Duration < cfg.Ramp || res.Warmup.Index != -1 || res.Warmup.Tools[0].Calls == 0 {
		t.Errorf("warm-up: %+v, want the ramp's calls", res.Warmup)
	}
	// Clients start at 0, 100, 200, 300 and 400ms: their connections'
	// first requests span about 400ms (the first connection is setup's).
	starts := srv.ConnStarts()
	if len(starts) != 1+cfg.Clients {
		t.Fatalf("%d connections, want %d: setup's and one per client", len(starts), 1+cfg.Clients)
	}
	clients := starts[1:]
	if span := clients[len(clients)-1].Sub(clients[0]); span < 300*time.Millisecond || span > 900*time.Millisecond {
		t.Errorf("clients' first requests span %v, want about 400ms (ramp 500ms over 5 clients)", span)
	}
	// Bounded: the ramp and the rounds, and a little.
	if min := cfg.Ramp + 4*cfg.Duration; elapsed < min || elapsed > min+5*time.Second {
		t.Errorf("run took %v, want a little over %v", elapsed, min)
	}
}

func TestDeterministicSequence(t *testing.T) {
	t.Parallel()
	// The same seed picks the same calls; another seed others.
	s := scenario(t, "codebase-search")
	seq := func(seed uint64) string {
		var b strings.Builder
		r := load.NewRand(seed, 3)
		for range 20 {
			c := s.Next(r)
			b.WriteString(c.Args.(map[string]any)["query"].(string) + "|")
		}
		return b.String()
	}
	if seq(1) != seq(1) {
		t.Error("seed 1 gave two sequences")
	}
	if seq(1) == seq(2) {
		t.Error("seeds 1 and 2 gave the same sequence")
	}
}

func TestCancelStopsPromptly(t *testing.T) {
	t.Parallel()
	srv := loadtest.New(t, loadtest.Options{Latency: 50 * time.Millisecond})
	ctx, cancel := context.WithCancel(t.Context())
	var canceled time.Time
	cfg := load.Config{
		URL:      srv.URL,
		Scenario: scenario(t, "codebase-search"),
		Clients:  10,
		Duration: 200 * time.Millisecond,
		Rounds:   100,
		Think:    load.Range{Min: 10 * time.Millisecond, Max: 20 * time.Millisecond},
		// Cancel as the first round ends: the second is cut short.
		OnRound: func(r load.Round) {
			if r.Index == 0 {
				canceled = time.Now()
				cancel()
			}
		},
	}
	res, err := load.Run(ctx, cfg)
	if took := time.Since(canceled); took > time.Second {
		t.Errorf("stopped %v after the cancel, want promptly", took)
	}
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	// The round in progress is cut short and left out. It is the second,
	// unless a busy machine reported the first after the second ended.
	n := len(res.Rounds)
	if n < 1 || n == cfg.Rounds || res.Rounds[0].Tools[0].Calls == 0 {
		t.Errorf("rounds %+v, want the first one or few", res.Rounds)
	}
	if want := fmt.Sprintf("interrupted after %d of 100 rounds", n); !strings.Contains(err.Error(), want) {
		t.Errorf("err = %v, want %q", err, want)
	}
}

func TestUnreachable(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String() + "/mcp"
	ln.Close()
	_, err = load.Run(t.Context(), load.Config{URL: url, Scenario: scenario(t, "workflow-mix"), Duration: time.Second})
	var ce *load.ConnectError
	if !errors.As(err, &ce) || ce.URL != url || !strings.Contains(err.Error(), url) {
		t.Fatalf("err = %v, want a *ConnectError naming %s", err, url)
	}
}

func TestTokenAndMissingTools(t *testing.T) {
	t.Parallel()
	srv := loadtest.New(t, loadtest.Options{Token: "s3cret", Tools: []string{"search_code"}})
	base := load.Config{URL: srv.URL, Duration: 100 * time.Millisecond, Clients: 2}

	noToken := base
	noToken.Scenario = scenario(t, "codebase-search")
	_, err := load.Run(t.Context(), noToken)
	if ce := (*load.ConnectError)(nil); !errors.As(err, &ce) || !strings.Contains(err.Error(), "--token-file") {
		t.Errorf("without the token: %v, want a *ConnectError mentioning --token-file", err)
	}

	wrong := base
	wrong.Token = "s3cret"
	wrong.Scenario = scenario(t, "workflow-mix")
	_, err = load.Run(t.Context(), wrong)
	if me := (*load.MissingToolsError)(nil); !errors.As(err, &me) || len(me.Missing) != 3 {
		t.Errorf("workflow-mix against search_code only: %v, want a *MissingToolsError of 3 tools", err)
	}

	ok := base
	ok.Token = "s3cret"
	ok.Scenario = scenario(t, "codebase-search")
	if _, err := load.Run(t.Context(), ok); err != nil {
		t.Errorf("with the token: %v", err)
	}
	if srv.Calls("search_code") == 0 {
		t.Error("no calls reached the server")
	}
}

func TestSetupRefused(t *testing.T) {
	t.Parallel()
	// A server that refuses every search (e.g. nothing indexed) fails
	// codebase-search's setup, with the server's message.
	srv := loadtest.New(t, loadtest.Options{ErrorEvery: 1})
	_, err := load.Run(t.Context(), load.Config{URL: srv.URL, Scenario: scenario(t, "codebase-search"), Duration: time.Second})
	var se *load.SetupError
	if !errors.As(err, &se) || !strings.Contains(err.Error(), "injected error") {
		t.Fatalf("err = %v, want a *SetupError with the server's message", err)
	}
	if n := srv.Calls("search_code"); n != 1 {
		t.Errorf("%d calls, want setup's one", n)
	}
}

func TestWorkflowMixSetupToleratesExistingProject(t *testing.T) {
	t.Parallel()
	srv := loadtest.New(t, loadtest.Options{Projects: []string{load.DefaultWorkflowProject}})
	res, _, err := run(t, t.Context(), load.Config{
		URL: srv.URL, Scenario: scenario(t, "workflow-mix"), Clients: 1, Duration: 50 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Setup["create_project"] != 0 || res.Setup["switch_project"] != 1 {
		t.Errorf("setup calls %v: want one switch_project and no create_project", res.Setup)
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	s := scenario(t, "codebase-search")
	ok := load.Config{URL: "http://127.0.0.1:1/mcp", Scenario: s}
	tests := []struct {
		field string
		edit  func(*load.Config)
	}{
		{"url", func(c *load.Config) { c.URL = "" }},
		{"url", func(c *load.Config) { c.URL = "127.0.0.1:8080" }},
		{"scenario", func(c *load.Config) { c.Scenario = nil }},
		{"clients", func(c *load.Config) { c.Clients = -1 }},
		{"clients", func(c *load.Config) { c.Clients = load.MaxClients + 1 }},
		{"ramp", func(c *load.Config) { c.Ramp = -time.Second }},
		{"duration", func(c *load.Config) { c.Duration = -time.Second }},
		{"rounds", func(c *load.Config) { c.Rounds = -2 }},
		{"think", func(c *load.Config) { c.Think = load.Range{Min: 2, Max: 1} }},
	}
	if err := ok.WithDefaults().Validate(); err != nil {
		t.Fatalf("valid config: %v", err)
	}
	for _, tt := range tests {
		c := ok
		tt.edit(&c)
		var ce *load.ConfigError
		if err := c.WithDefaults().Validate(); !errors.As(err, &ce) || ce.Field != tt.field {
			t.Errorf("%s: Validate() = %v, want a *ConfigError of --%s", tt.field, err, tt.field)
		}
	}
}

func TestParseRange(t *testing.T) {
	t.Parallel()
	good := map[string]load.Range{
		"50ms..200ms": {50 * time.Millisecond, 200 * time.Millisecond},
		"0..1s":       {0, time.Second},
		"0":           {},
		"100ms":       {100 * time.Millisecond, 100 * time.Millisecond},
		" 1s .. 2s ":  {time.Second, 2 * time.Second},
	}
	for in, want := range good {
		got, err := load.ParseRange(in)
		if err != nil || got != want {
			t.Errorf("ParseRange(%q) = %v, %v; want %v", in, got, err, want)
		}
		if err == nil {
			if back, err := load.ParseRange(got.String()); err != nil || back != got {
				t.Errorf("ParseRange(%q.String()) = %v, %v", in, back, err)
			}
		}
	}
	for _, in := range []string{"", "fast", "1s..", "..1s", "2s..1s", "-1s..1s", "1..2", "1s...2s", "0...5s"} {
		if r, err := load.ParseRange(in); err == nil {
			t.Errorf("ParseRange(%q) = %v, want an error", in, r)
		}
	}
}

func TestWorkflowMixWeights(t *testing.T) {
	t.Parallel()
	s := scenario(t, "workflow-mix")
	r := load.NewRand(1, 0)
	const n = 20_000
	count := map[string]int{}
	for range n {
		count[s.Next(r).Tool]++
	}
	for tool, want := range map[string]float64{"switch_project": 0.4, "query_entities": 0.4, "query_work_items": 0.2} {
		if share := float64(count[tool]) / n; math.Abs(share-want) > 0.02 {
			t.Errorf("%s: %.3f of %d picks, want %.2f", tool, share, n, want)
		}
	}
	if len(count) != 3 {
		t.Errorf("picked %v", count)
	}
}

func TestNewScenario(t *testing.T) {
	t.Parallel()
	_, err := load.NewScenario("k6-smoke", load.ScenarioConfig{})
	var ue *load.UnknownScenarioError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "codebase-search, workflow-mix") {
		t.Errorf("NewScenario(k6-smoke) = %v, want an *UnknownScenarioError listing the scenarios", err)
	}
	s, err := load.NewScenario("codebase-search", load.ScenarioConfig{Project: "acme"})
	if err != nil {
		t.Fatal(err)
	}
	c := s.Next(load.NewRand(1, 0))
	args := c.Args.(map[string]any)
	if c.Tool != "search_code" || args["project"] != "acme" || args["limit"] != 10 || args["query"] == "" {
		t.Errorf("codebase-search call %+v", c)
	}
	if n := len(load.SearchQueries); n < 25 {
		t.Errorf("%d search queries, want about 30", n)
	}
}

func TestPrinter(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	p := load.NewPrinter(&out, load.Config{
		Scenario: scenario(t, "workflow-mix"),
		Clients:  50,
		Think:    load.Range{Min: 50 * time.Millisecond, Max: 200 * time.Millisecond},
	})
	round := load.Round{Duration: 10 * time.Second, Tools: []load.ToolStats{
		{Tool: "switch_project", Calls: 1200, Errors: 3, Mean: 2500 * time.Microsecond,
			P50: 2 * time.Millisecond, P95: 7 * time.Millisecond, P99: 12500 * time.Microsecond, Rate: 120},
		{Tool: "query_entities"}, // no calls: no line
	}}
	for range 2 {
		if err := p.Round(round); err != nil {
			t.Fatal(err)
		}
	}
	const line = "BenchmarkLoad/scenario=workflow-mix/tool=switch_project/clients=50\t1200\t2500000 ns/op\t" +
		"2000000 p50-ns/op\t7000000 p95-ns/op\t12500000 p99-ns/op\t120.00 calls/s\t0.0025 errors/op\n"
	got := out.String()
	if strings.Count(got, line) != 2 || strings.Count(got, "Benchmark") != 2 {
		t.Errorf("output:\n%s\nwant twice:\n%s", got, line)
	}
	for _, h := range []string{"goos: ", "goarch: ", "scenario: workflow-mix\n", "think: 50ms..200ms\n", "Unit errors/op assume=exact better=lower\n"} {
		if strings.Count(got, h) != 1 {
			t.Errorf("output has %d lines %q, want one before the results:\n%s", strings.Count(got, h), h, got)
		}
	}
	if strings.Contains(got, "http") {
		t.Errorf("output names the URL (would split comparisons by port):\n%s", got)
	}
	_, units := parse(t, got)
	checkUnits(t, units)
}
