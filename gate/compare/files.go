package compare

import (
	"errors"
	"fmt"
	"strings"

	"github.com/perfgate/perfgate/gate"
)

// errNoResults is returned by ReportFiles when neither file holds a
// benchmark result.
var errNoResults = errors.New("no benchmark results")

// ReportFiles is `perfgate compare OLD NEW`: it reads both files, compares
// them as one pair with no suite name, checks opts.Config's targets, and
// returns the report decided with opts.Config.FailOn (by default a
// regression or a breached target fails). Its Verdict is gate.Fail exactly
// when the command must exit 1.
//
// An error means a file could not be read, neither holds a benchmark
// result, or the options are invalid; syntax errors in the files are
// warnings in the report.
func ReportFiles(oldPath, newPath string, opts Options) (*gate.Report, error) {
	old, err := Files(oldPath)
	if err != nil {
		return nil, err
	}
	nw, err := Files(newPath)
	if err != nil {
		return nil, err
	}
	if old.Len() == 0 && nw.Len() == 0 {
		return nil, fmt.Errorf("compare %s %s: %w", oldPath, newPath, errNoResults)
	}
	opts, err = opts.withDefaults()
	if err != nil {
		return nil, err
	}
	res, err := Run([]Pair{{Old: old, New: nw}}, opts)
	if err != nil {
		return nil, err
	}
	r := &gate.Report{
		Alpha:       opts.Alpha,
		Comparisons: res.Comparisons,
		Targets:     res.Targets,
		Warnings:    res.Warnings,
		Environment: Environment(old, nw),
	}
	r.Environment.Baseline = "file " + oldPath
	failOn := opts.Config.FailOn
	failOn.Test = false
	r.Decide(failOn)
	return r, nil
}

// Environment describes where the results of new were measured from its
// configuration lines (goos, goarch, cpu), with BaselineCPU set when old
// was measured on another cpu. Fields the files do not record are empty.
func Environment(old, new *Set) gate.Environment {
	first := func(s *Set, key string) string { return strings.Join(s.ConfigValues(key), " | ") }
	env := gate.Environment{
		GOOS:   first(new, "goos"),
		GOARCH: first(new, "goarch"),
		CPU:    first(new, "cpu"),
	}
	if m, ok := cpuMismatch(Pair{Old: old, New: new}); ok {
		env.BaselineCPU = m.Old
	}
	return env
}
