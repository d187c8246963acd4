package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/perfgate/perfgate/gate/load"
)

const loadUsage = `usage: perfgate load --url URL --scenario NAME [--clients N] [--ramp DUR]
       [--duration DUR] [--rounds N] [--think MIN..MAX] [--token-file F]
       [--seed S] [--project P]

load drives an MCP server over streamable HTTP with --clients concurrent
MCP client sessions, each initialized on its own connection, and prints the
results in Go benchmark format on stdout, for perfgate compare and the gate.

The clients start evenly over --ramp, a warm-up whose calls are not
measured; then --rounds rounds of --duration follow back to back, every
client running throughout. Each client picks its calls with its own random
source (seeded by --seed and its index) and pauses a think time drawn from
--think after each. After each round it prints one line per tool:

  BenchmarkLoad/scenario=S/tool=T/clients=N  CALLS  mean ns/op  p50-ns/op
      p95-ns/op  p99-ns/op  calls/s  errors/op

A tool error (isError) or a failed call is an error: errors/op is data, not
a failure of load. A call started in a round counts in it.

Scenarios:
  codebase-search  codebase-mcp: search_code over a fixed set of code queries, limit 10
  workflow-mix     workflow-mcp: 40% switch_project, 40% query_entities, 20% query_work_items
                   in --project (default perfgate-load), created first when missing

Exit codes: 0 done; 2 bad flags, or a server without the scenario's tools;
3 the server cannot be reached, the scenario's setup failed, or the run was
interrupted (the rounds completed before are printed).
`

// loadGCPercent is the garbage collector's target while load runs, unless
// GOGC is set. The driver's allocations are mostly the MCP client's and
// net/http's (about 17 KB a call); collecting them less often cuts the
// driver's CPU time per call by 10-20% (BenchmarkDriver in gate/load), CPU
// that the server under test shares on a small machine, for a few MB more
// heap.
const loadGCPercent = 400

// loadVerb is `perfgate load`.
func loadVerb(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "load", loadUsage)
	url := fs.String("url", "", "the server's streamable HTTP `endpoint`, e.g. http://127.0.0.1:8732/mcp (required)")
	scenario := fs.String("scenario", "", "what the clients do: "+strings.Join(load.ScenarioNames(), " or ")+" (required)")
	clients := fs.Int("clients", load.DefaultClients, "concurrent MCP client sessions")
	ramp := fs.Duration("ramp", 0, "start the clients evenly over this warm-up, not measured")
	duration := fs.Duration("duration", load.DefaultDuration, "length of one measured round")
	rounds := fs.Int("rounds", load.DefaultRounds, "measured rounds: one sample per tool each")
	think := fs.String("think", "0", "pause after each call, drawn uniformly from `MIN..MAX` (e.g. 50ms..200ms), or one duration")
	tokenFile := fs.String("token-file", "", "send the bearer token in this `file`")
	seed := fs.Uint64("seed", load.DefaultSeed, "seed of the clients' random sources")
	project := fs.String("project", "", "project of every call (workflow-mix default "+load.DefaultWorkflowProject+"; codebase-search default: none)")
	callTimeout := fs.Duration("call-timeout", load.DefaultCallTimeout, "a call that takes longer is an error")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError("load: unexpected arguments %q", fs.Args())
	}
	if *scenario == "" {
		fs.Usage()
		return usageError("load: --scenario is required: one of %s", strings.Join(load.ScenarioNames(), ", "))
	}
	sc, err := load.NewScenario(*scenario, load.ScenarioConfig{Project: *project})
	if err != nil {
		return usageError("load: --scenario: %w", err)
	}
	th, err := load.ParseRange(*think)
	if err != nil {
		return usageError("load: --think %w", err)
	}
	// Zero values of the flags would mean "default" to the driver: refuse
	// them here instead.
	switch {
	case *clients < 1:
		return usageError("load: --clients %d: want at least 1", *clients)
	case *duration <= 0:
		return usageError("load: --duration %v: want a positive duration such as 30s", *duration)
	case *rounds < 1:
		return usageError("load: --rounds %d: want at least 1", *rounds)
	case *callTimeout <= 0:
		return usageError("load: --call-timeout %v: want a positive duration", *callTimeout)
	}
	var token string
	if *tokenFile != "" {
		b, err := os.ReadFile(*tokenFile)
		if err != nil {
			return usageError("load: --token-file: %w", err)
		}
		if token = strings.TrimSpace(string(b)); token == "" {
			return usageError("load: --token-file: %s is empty: put the server's token in it", *tokenFile)
		}
	}

	cfg := load.Config{
		URL:         *url,
		Scenario:    sc,
		Clients:     *clients,
		Ramp:        *ramp,
		Duration:    *duration,
		Rounds:      *rounds,
		Think:       th,
		Token:       token,
		Seed:        *seed,
		CallTimeout: *callTimeout,
		Logger:      e.logger,
	}
	if err := cfg.WithDefaults().Validate(); err != nil {
		return usageError("load: %w", err)
	}
	p := load.NewPrinter(e.stdout, cfg)
	var printErr error
	cfg.OnRound = func(r load.Round) {
		if err := p.Round(r); err != nil && printErr == nil {
			printErr = err
		}
	}

	if e.getenv("GOGC") == "" {
		defer debug.SetGCPercent(debug.SetGCPercent(loadGCPercent))
	}
	start := time.Now()
	res, err := load.Run(ctx, cfg)
	if printErr != nil {
		return infraError(fmt.Errorf("load: write results: %w", printErr))
	}
	var (
		connect *load.ConnectError
		missing *load.MissingToolsError
		cfgErr  *load.ConfigError
	)
	switch {
	case errors.As(err, &missing), errors.As(err, &cfgErr):
		return usageError("load: %w", err)
	case errors.As(err, &connect):
		return infraError(fmt.Errorf("load: %w", err))
	case err != nil && res == nil:
		return infraError(fmt.Errorf("load: %w", err))
	}
	calls, errs := res.Calls()
	fmt.Fprintf(e.stderr, "load: %s against %s: %d of %d rounds of %v with %d clients in %v: %d calls measured, %d errors",
		sc.Name(), *url, len(res.Rounds), *rounds, *duration, *clients, time.Since(start).Round(time.Millisecond), calls, errs)
	var warm int64
	for _, t := range res.Warmup.Tools {
		warm += t.Calls
	}
	if warm > 0 {
		fmt.Fprintf(e.stderr, "; %d warm-up calls not measured", warm)
	}
	if res.SessionErrors > 0 {
		fmt.Fprintf(e.stderr, "; %d failed session starts, retried", res.SessionErrors)
	}
	fmt.Fprintln(e.stderr)
	if err != nil {
		return infraError(fmt.Errorf("load: %w", err))
	}
	return nil
}
