// Package compare turns benchmark results into the gate's comparisons and
// target results, with the statistics of benchstat (golang.org/x/perf).
//
// Results are read into a Set per suite and side: Files or Set.Read parse
// Go benchmark format with benchfmt, keep the unit metadata (`Unit req/s
// better=higher`, `Unit errors/op assume=exact`), and record syntax errors
// as "file:line: message" warnings instead of failing.
//
// Run compares Pairs (a suite's baseline and new results) the way
// benchstat compares two files:
//
//   - results are grouped as benchstat's default projection groups them:
//     one table per file configuration (.config) and tidied unit (ns/op
//     becomes sec/op, MB/s becomes B/s), one row per full benchmark name
//     (.fullname), except that the keys in Options.Ignore (DefaultIgnore:
//     cpu, commit, ...) do not split tables, so a baseline measured on
//     another machine is still compared, and flagged as a CPUMismatch;
//   - each side is summarized by benchmath under the unit's assumption:
//     the median with its confidence interval (95% by default), or the
//     exact value for assume=exact units;
//   - the p-value is benchmath's Mann-Whitney U test, exactly the P that
//     benchstat prints; Run then applies the Benjamini–Hochberg correction
//     (AdjustBH) across every statistical comparison of the run, all
//     suites together, and a comparison is significant when its adjusted
//     p-value is below alpha. Exact units are compared without statistics:
//     significant when the values differ;
//   - the direction comes from `better=` metadata, else benchfmt's
//     built-in units, else rates (units ending in "/s") are higher-better
//     and everything else lower-better;
//   - Status: regression when significant, in the bad direction and
//     beyond the threshold (Config.ThresholdFor); improvement the same in
//     the good direction; changed when significant within the threshold;
//     unchanged when not significant; new and missing when a side is absent.
//
// Fewer than MinSamples samples on a side is a warning on the comparison
// and in the run's warnings, never a silent pass; benchmath's own warnings
// are carried along.
//
// CheckTargets checks absolute limits on the new results (Run does it for
// Config.Targets). ReportFiles is `perfgate compare OLD NEW` in one call.
//
// A worked example: a CLI compares a suite's committed baseline with the
// output of its new run, then decides.
//
//	old, err := compare.Files("baselines/search.txt")
//	if err != nil { ... } // only I/O errors; syntax errors are old.Warnings
//	nw, err := compare.Files("perfgate-out/search-1.txt", "perfgate-out/search-2.txt")
//	if err != nil { ... }
//	res, err := compare.Run([]compare.Pair{{Suite: "search", Old: old, New: nw}},
//		compare.Options{Config: &cfg})
//	if err != nil { ... } // invalid options
//	r := &gate.Report{
//		Alpha:       cfg.Alpha,
//		Comparisons: res.Comparisons, // ordered as benchstat's tables
//		Targets:     res.Targets,     // cfg.Targets on the new results
//		Warnings:    res.Warnings,    // file:line errors, cpu mismatch, few samples
//		Environment: compare.Environment(old, nw),
//	}
//	r.Decide(cfg.FailOn)
//
// With the six samples of Search per side of this package's Example (about
// 101.5ns before, 131.5ns after, and 0 then 1 errors/op declared exact),
// res.Comparisons holds two gate.Comparisons for Search: sec/op with
// Old.Center 1.015e-07, New.Center 1.315e-07, Delta +0.296, P 0.002
// (benchstat prints "+29.56% (p=0.002 n=6)") and Status regression, and
// errors/op, exact, with Delta +Inf (from zero) and Status regression; so
// r.Verdict is gate.Fail with Reasons ["2 regressions"].
package compare
