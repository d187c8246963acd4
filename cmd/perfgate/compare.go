package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/perfgate/perfgate/gate"
	"github.com/perfgate/perfgate/gate/compare"
	"github.com/perfgate/perfgate/gate/config"
	"github.com/perfgate/perfgate/gate/report"
)

const compareUsage = `usage: perfgate compare [flags] OLD NEW

compare reads two files of Go benchmark results and prints benchstat's
table for them (the same centers, intervals, deltas and p-values) with
perfgate's verdict per row: a regression is a change in the bad direction
beyond the threshold and significant after the Benjamini-Hochberg correction.
It exits 1 when it finds a regression or a breached target of --config.
`

// compareVerb is `perfgate compare OLD NEW`.
func compareVerb(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "compare", compareUsage)
	format := fs.String("format", "text", "output `format`: text, markdown or json")
	cfgPath := fs.String("config", "", "take thresholds and targets from this perfgate.yml")
	alpha := fs.Float64("alpha", 0, "significance level after correction (default 0.05, or the config's)")
	threshold := fs.String("threshold", "", "default regression threshold, e.g. 10% (default 10%, or the config's)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		fs.Usage()
		return usageError("compare: want two files, OLD and NEW; got %d", fs.NArg())
	}
	cfg := gate.Config{}.WithDefaults()
	if *cfgPath != "" {
		c, err := config.Load(*cfgPath)
		if err != nil {
			return usageError("%w", err)
		}
		cfg = *c
	}
	if *alpha != 0 {
		if *alpha <= 0 || *alpha >= 1 {
			return usageError("compare: --alpha %v: want a value between 0 and 1", *alpha)
		}
		cfg.Alpha = *alpha
	}
	if *threshold != "" {
		t, err := parseThreshold(*threshold)
		if err != nil {
			return usageError("compare: --threshold: %w", err)
		}
		cfg.Threshold = t
	}
	old, new := fs.Arg(0), fs.Arg(1)
	r, err := compare.ReportFiles(old, new, compare.Options{Config: &cfg})
	if err != nil {
		return usageError("compare: %w", err)
	}
	switch *format {
	case "text":
		err = report.Benchstat(e.stdout, r, report.TableOptions{OldLabel: old, NewLabel: new})
	case "markdown":
		err = report.Markdown(e.stdout, r, report.MarkdownOptions{})
	case "json":
		err = report.JSON(e.stdout, r)
	default:
		return usageError("compare: --format %q: want text, markdown or json", *format)
	}
	if err != nil {
		return infraError(fmt.Errorf("print comparison: %w", err))
	}
	if r.Verdict == gate.Fail {
		return &exitError{code: exitGateFailed, err: fmt.Errorf("compare: %s", joinReasons(r.Reasons))}
	}
	return nil
}

// parseThreshold reads a relative threshold written as a percentage (10%)
// or a fraction (0.10).
func parseThreshold(s string) (float64, error) {
	pct := strings.HasSuffix(s, "%")
	v, err := strconv.ParseFloat(strings.TrimSuffix(s, "%"), 64)
	if err != nil {
		return 0, fmt.Errorf("%q: want a percentage such as 10%% or a fraction such as 0.10", s)
	}
	if pct {
		v /= 100
	}
	if v < 0 {
		return 0, fmt.Errorf("%q: a threshold cannot be negative", s)
	}
	return v, nil
}
