// Package gate is the domain of the perfgate performance gate: the suites a
// repository declares, the comparisons of their results with a baseline, the
// absolute targets, and the verdict.
//
// It holds types and pure policy only and imports nothing but the standard
// library. The adapters around it fill these types in:
// gate/config reads perfgate.yml into a Config, gate/run runs the suites,
// gate/compare computes Comparisons and TargetResults with
// golang.org/x/perf/benchmath, gate/report renders a Report, and gate/github
// publishes it.
//
// A worked example, deciding a report by hand:
//
//	r := &gate.Report{
//		Alpha: 0.05,
//		Comparisons: []gate.Comparison{{
//			Benchmark: "Search", Unit: "sec/op", Status: gate.StatusRegression,
//		}},
//	}
//	r.Decide(gate.DefaultFailOn())
//	fmt.Println(r.Verdict) // fail
package gate
