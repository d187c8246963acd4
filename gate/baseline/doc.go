// Package baseline reads and writes the committed baselines of a
// repository: baselines/<suite>.txt, in Go benchmark format, one file per
// suite, changed only by `perfgate baseline update`.
//
// A baseline file records where it was measured in configuration lines
// (goos, goarch, cpu, go, commit, provider) and holds the results of every
// run of the suite as samples of the same benchmarks:
//
//	# perfgate baseline of suite search, written by `perfgate baseline update`.
//
//	Unit req/s better=higher
//
//	go: go1.26.0
//	commit: 0c5f1e2
//	provider: local
//	goos: linux
//	goarch: amd64
//	pkg: github.com/perfgate/perfgate/servers/codebase/search
//	cpu: AMD EPYC 7763 64-Core Processor
//
//	BenchmarkSearchCode-2   100   4812332 ns/op   1830 req/s
//	BenchmarkSearchCode-2   100   4790113 ns/op   1841 req/s
//
// A worked example, updating a baseline from a previous run's outputs and
// reading it back:
//
//	res, err := run.ReadResults("perfgate-out", "search")
//	if err != nil {
//		return err
//	}
//	env := res.Environment()
//	env.GoVersion, env.HeadCommit, env.Provider = runtime.Version(), head, "local"
//	if err := baseline.Write("baselines", "search", res.BenchRecords(), env); err != nil {
//		return err
//	}
//	b, err := baseline.Read("baselines", "search")
//	if errors.Is(err, baseline.ErrNoBaseline) {
//		// every benchmark of the suite is new
//	}
//	fmt.Println(len(b.Results), b.Env.CPU)
package baseline
