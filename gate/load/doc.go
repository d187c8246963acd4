// Package load is perfgate's MCP load driver: many real MCP client
// sessions (mcp-go's streamable HTTP client) calling a server's tools as a
// Scenario picks them, with the latencies, rates and error rates written
// in Go benchmark format for benchstat and the gate.
//
// A run has a ramp and rounds. The Config.Clients clients start evenly
// over Config.Ramp, each initializing its own session on its own HTTP
// connection; the ramp is a warm-up, once, whose calls are not measured.
// Then, once every client runs, Config.Rounds rounds of Config.Duration
// follow back to back with every client running throughout, so that each
// round is one sample of the same steady load. A client loops: it picks a call with its own
// seeded random source (the same sequence in every run with the same
// seed), calls the tool, records the latency in its own HdrHistogram for
// that tool (a tool error or a failed call counts as an error, with its
// latency), and pauses a think time drawn from Config.Think. A call counts
// in the round it started in. When a round ends each client merges its
// histograms into the round's, and Run reports the round. The run ends by
// itself after the last round (at most Config.CallTimeout later), or soon
// after its context is canceled.
//
// Scenarios are built in (NewScenario): codebase-search calls
// codebase-mcp's search_code over SearchQueries; workflow-mix calls
// workflow-mcp's switch_project, query_entities and query_work_items 40%,
// 40% and 20% of the time, in a project its setup creates when missing.
// Another scenario is a type implementing Scenario.
//
// A worked example, printing each round as it ends:
//
//	sc, err := load.NewScenario("workflow-mix", load.ScenarioConfig{})
//	if err != nil {
//		return err
//	}
//	cfg := load.Config{
//		URL:      "http://127.0.0.1:8732/mcp",
//		Scenario: sc,
//		Clients:  50,
//		Ramp:     5 * time.Second,
//		Duration: 20 * time.Second,
//		Rounds:   6,
//		Think:    load.Range{Min: 50 * time.Millisecond, Max: 200 * time.Millisecond},
//	}
//	p := load.NewPrinter(os.Stdout, cfg)
//	cfg.OnRound = func(r load.Round) { p.Round(r) }
//	res, err := load.Run(ctx, cfg)
//
// which prints, after the configuration and Unit lines, per round:
//
//	BenchmarkLoad/scenario=workflow-mix/tool=switch_project/clients=50	2391	3412004 ns/op	2408447 p50-ns/op	8224767 p95-ns/op	21757951 p99-ns/op	119.55 calls/s	0 errors/op
//	BenchmarkLoad/scenario=workflow-mix/tool=query_entities/clients=50	2407	3386471 ns/op	2424831 p50-ns/op	8429567 p95-ns/op	20185087 p99-ns/op	120.35 calls/s	0 errors/op
//	BenchmarkLoad/scenario=workflow-mix/tool=query_work_items/clients=50	1198	3442070 ns/op	2408447 p50-ns/op	9625599 p95-ns/op	27672575 p99-ns/op	59.90 calls/s	0 errors/op
//
// The package imports the gate's domain at most; package loadtest beside
// it is a fake MCP server for tests.
package load
