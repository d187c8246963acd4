// Package report renders a *gate.Report: for the terminal (Text, what
// `perfgate dry-run` prints), as the PR comment and step summary
// (Markdown, whose first line is Marker), as report.json (JSON, read back
// by ReadJSON), and as benchstat's own tables for `perfgate compare OLD NEW`
// (Benchstat).
//
// Every renderer is deterministic: it reads nothing but the report (no
// clock, no environment), so golden files pin its output. Numbers are
// formatted as benchstat formats them, with golang.org/x/perf's benchunit
// and benchmath: each row's centers on a common scale ("131.2µ"), the
// interval as "± 7%", the delta and "(p=0.000 n=10)" of
// benchmath.Comparison. Non-finite numbers (the interval of fewer than
// six samples, the delta of a new benchmark) print as ∞ or —, and are null
// in JSON.
//
// A worked example, `perfgate compare old.txt new.txt --format text`:
//
//	r, err := compare.ReportFiles("old.txt", "new.txt", compare.Options{})
//	if err != nil { ... } // exit 2
//	err = report.Benchstat(os.Stdout, r, report.TableOptions{OldLabel: "old.txt", NewLabel: "new.txt"})
//	if r.Verdict == gate.Fail { ... } // exit 1
//
// prints, for the testdata/bench units pair,
//
//	goos: linux
//	goarch: amd64
//	cpu: ...
//	               │   old.txt    │               new.txt                │
//	               │    sec/op    │    sec/op     vs base                │ perfgate
//	Search/q=short   95.64µ ±  7%   150.76µ ± 4%  +57.62% (p=0.000 n=10)   regression
//	Search/q=long    102.6µ ± 34%    171.0µ ± 6%  +66.68% (p=0.000 n=10)   regression
//	geomean          99.07µ          160.6µ       +62.09%
//	...
//	perfgate: FAIL — 9 regressions
//
// where every cell but the last column is what benchstat prints for the
// same two files, and the last column is the gate's verdict for the row
// after the Benjamini–Hochberg correction and the threshold. With
// --format markdown the same report goes through Markdown, with --format
// json through JSON.
package report
