package baseline

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/perf/benchfmt"

	"github.com/perfgate/perfgate/gate"
	"github.com/perfgate/perfgate/internal/atomicfile"
)

// ErrNoBaseline is returned by Read when a suite has no baseline file. The
// gate treats every benchmark of such a suite as new.
var ErrNoBaseline = errors.New("no baseline")

// ErrNoResults is returned by Write when there is nothing to write, so that
// an empty run never replaces a baseline. `perfgate baseline update` skips
// such suites (test suites without benchmarks, typically).
var ErrNoResults = errors.New("no benchmark results")

// Configuration keys Write adds to record where a baseline was measured,
// besides goos, goarch and cpu, which `go test` prints itself. Read removes
// them from the records it returns, so that they never split a comparison;
// to compare a baseline file by hand, run benchstat with
// -ignore go,commit,provider.
const (
	KeyGo       = "go"
	KeyCommit   = "commit"
	KeyProvider = "provider"
)

// MetadataKeys are KeyGo, KeyCommit and KeyProvider.
var MetadataKeys = []string{KeyGo, KeyCommit, KeyProvider}

// Path is the baseline file of a suite: <dir>/<suite>.txt.
func Path(dir, suite string) string { return filepath.Join(dir, suite+".txt") }

// Baseline is a suite's committed results.
type Baseline struct {
	Suite string
	// Path is the file it was read from.
	Path string
	// Results are the benchmark results, their configuration as
	// measured, without the MetadataKeys.
	Results []*benchfmt.Result
	// Units is the unit metadata the file declares.
	Units []*benchfmt.UnitMetadata
	// Env is where the baseline was measured: GOOS, GOARCH, CPU,
	// GoVersion, Provider, and HeadCommit, the commit measured.
	Env gate.Environment
	// Warnings are malformed lines, as "file:line: msg".
	Warnings []string
}

// UnitMap returns the unit metadata as benchfmt.Reader.Units does.
func (b *Baseline) UnitMap() benchfmt.UnitMetadataMap {
	m := make(benchfmt.UnitMetadataMap, len(b.Units))
	for _, u := range b.Units {
		m[u.UnitMetadataKey] = u
	}
	return m
}

// Write writes the baseline of a suite to Path(dir, suite), creating dir if
// needed, atomically: a temporary file renamed over the old one. records
// are *benchfmt.Result and *benchfmt.UnitMetadata, as
// run.Result.BenchRecords returns them; unit metadata is written first.
//
// The file is Go benchmark format, read by benchstat as it is. Its
// configuration lines record env: goos, goarch and cpu where the results do
// not carry their own, then go (env.GoVersion), commit (env.HeadCommit)
// and provider; empty values are left out.
func Write(dir, suite string, records []benchfmt.Record, env gate.Environment) error {
	if suite == "" || strings.ContainsAny(suite, `/\`) || suite == "." || suite == ".." {
		return fmt.Errorf("write baseline: %q is not a suite name", suite)
	}
	var units []*benchfmt.UnitMetadata
	var results []*benchfmt.Result
	for _, rec := range records {
		switch rec := rec.(type) {
		case *benchfmt.Result:
			results = append(results, rec)
		case *benchfmt.UnitMetadata:
			units = append(units, rec)
		}
	}
	if len(results) == 0 {
		return fmt.Errorf("write baseline of suite %s: %w; keeping the current baseline", suite, ErrNoResults)
	}

	// Recorded environment, in the order the file shows it.
	meta := []benchfmt.Config{
		{Key: "goos", Value: []byte(env.GOOS), File: true},
		{Key: "goarch", Value: []byte(env.GOARCH), File: true},
		{Key: "cpu", Value: []byte(env.CPU), File: true},
		{Key: KeyGo, Value: []byte(env.GoVersion), File: true},
		{Key: KeyCommit, Value: []byte(env.HeadCommit), File: true},
		{Key: KeyProvider, Value: []byte(env.Provider), File: true},
	}

	var buf bytes.Buffer
	fmt.Fprintf(&buf, "# perfgate baseline of suite %s, written by `perfgate baseline update`.\n\n", suite)
	w := benchfmt.NewWriter(&buf)
	for _, u := range units {
		if err := w.Write(u); err != nil {
			return fmt.Errorf("write baseline of suite %s: %w", suite, err)
		}
	}
	if len(units) > 0 {
		buf.WriteByte('\n')
	}
	for _, r := range results {
		out := &benchfmt.Result{Name: r.Name, Iters: r.Iters, Values: r.Values}
		for _, m := range meta {
			if len(m.Value) == 0 || hasConfig(r, m.Key) {
				continue
			}
			out.Config = append(out.Config, m)
		}
		for _, c := range r.Config {
			if c.File {
				out.Config = append(out.Config, c)
			}
		}
		if err := w.Write(out); err != nil {
			return fmt.Errorf("write baseline of suite %s: %w", suite, err)
		}
	}

	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("write baseline of suite %s: %w", suite, err)
	}
	if err := atomicfile.WriteFile(Path(dir, suite), buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write baseline: %w", err)
	}
	return nil
}

func hasConfig(r *benchfmt.Result, key string) bool {
	for _, c := range r.Config {
		if c.Key == key {
			return len(c.Value) > 0
		}
	}
	return false
}

// Read reads the baseline of a suite from Path(dir, suite). A missing file
// is an error wrapping ErrNoBaseline that names the suite and the path (the
// caller knows the command that creates it); malformed lines are Warnings,
// not errors.
func Read(dir, suite string) (*Baseline, error) {
	path := Path(dir, suite)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w for suite %s (%s)", ErrNoBaseline, suite, path)
	}
	if err != nil {
		return nil, fmt.Errorf("read baseline %s: %w", path, err)
	}
	b := &Baseline{Suite: suite, Path: path}
	rd := benchfmt.NewReader(bytes.NewReader(data), path)
	for rd.Scan() {
		switch rec := rd.Result().(type) {
		case *benchfmt.Result:
			if len(b.Results) == 0 {
				b.Env = environment(rec)
			}
			b.Results = append(b.Results, stripMetadata(rec))
		case *benchfmt.UnitMetadata:
			b.Units = append(b.Units, rec)
		case *benchfmt.SyntaxError:
			b.Warnings = append(b.Warnings, rec.Error())
		}
	}
	if err := rd.Err(); err != nil {
		return nil, fmt.Errorf("read baseline %s: %w", path, err)
	}
	return b, nil
}

// environment reads the recorded environment from a result's configuration.
func environment(r *benchfmt.Result) gate.Environment {
	return gate.Environment{
		GOOS:       r.GetConfig("goos"),
		GOARCH:     r.GetConfig("goarch"),
		CPU:        strings.TrimSpace(r.GetConfig("cpu")),
		GoVersion:  r.GetConfig(KeyGo),
		HeadCommit: r.GetConfig(KeyCommit),
		Provider:   r.GetConfig(KeyProvider),
	}
}

// stripMetadata returns a copy of r without the MetadataKeys.
func stripMetadata(r *benchfmt.Result) *benchfmt.Result {
	c := r.Clone()
	cfg := c.Config[:0]
	for _, kv := range c.Config {
		switch kv.Key {
		case KeyGo, KeyCommit, KeyProvider:
			continue
		}
		cfg = append(cfg, kv)
	}
	// Clone leaves the index of config positions to be built on first
	// use, so editing Config in place is safe and keeps Pos.
	c.Config = cfg
	return c
}
