// Package run runs a repository's suites and reads what they print.
//
// Each suite's command runs with `sh -c` in the repository root, Count
// times, each run bounded by the suite's Timeout. The command runs in a
// process group of its own, killed whole on timeout or interruption, so no
// child survives it. Its stdout and stderr are kept raw in the output
// directory; stdout is parsed: Go benchmark format for `bench` suites
// (golang.org/x/perf/benchfmt), `go test -json` for `test` suites, whose
// failing tests become gate.TestFailures and whose benchmark lines are
// results too. A malformed result line is a warning with its file and line,
// never a failure.
//
// A suite whose command is missing, crashes or times out is an
// infrastructure error: a *SuiteError with the suite's name and the tail of
// its output, which perfgate maps to exit code 3.
//
// A worked example:
//
//	r := &run.Runner{
//		Dir:         repoRoot,
//		Env:         os.Environ(),
//		DatabaseURL: db.URL, // exported as DATABASE_URL and TEST_DATABASE_URL
//		Profile:     "quick",
//		Progress:    os.Stderr, // "[1/2] search run 1/3 … 12.3s"
//	}
//	results, err := r.Run(ctx, cfg.Suites)
//	var se *run.SuiteError
//	if errors.As(err, &se) {
//		return exitInfra(err) // exit 3; err prints the tail of the output
//	}
//	for _, res := range results {
//		fmt.Println(res.Summary.Name, len(res.Records), res.Summary.Warnings)
//	}
//
// Under --base-ref, RunBaseRef runs the same suites on the merge-base in a
// temporary git worktree too, interleaving base and head rounds.
//
// Results are also written to OutDir/<suite>/results.txt, which
// ReadResults reads back: `perfgate baseline update --from DIR` needs no
// rerun.
package run
