package compare

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"golang.org/x/perf/benchfmt"
)

// A Set is one side of a comparison: the benchmark results of one suite,
// read from one or more files in Go benchmark format, and the unit metadata
// (`Unit req/s better=higher`) declared in them.
//
// A Set is not safe for concurrent use while it is being filled.
type Set struct {
	results []*benchfmt.Result
	units   benchfmt.UnitMetadataMap
	// Warnings are the problems found while reading, such as syntax errors,
	// each as "file:line: message". They never stop the reading.
	Warnings []string
}

// NewSet returns an empty Set.
func NewSet() *Set {
	return &Set{units: make(benchfmt.UnitMetadataMap)}
}

// FromResults returns a Set of results that were already read, such as
// gate/run's or gate/baseline's, with their unit metadata (indexed by
// tidied unit, as benchfmt.Reader.Units returns it). The results are not
// copied: they must not change while the Set is in use.
func FromResults(results []*benchfmt.Result, units benchfmt.UnitMetadataMap) *Set {
	s := NewSet()
	s.results = results
	for k, u := range units {
		s.units[k] = u
	}
	return s
}

// Files reads the named files into a new Set. Syntax errors in them are
// warnings; only a file that cannot be opened or read is an error.
func Files(paths ...string) (*Set, error) {
	s := NewSet()
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return nil, fmt.Errorf("read results: %w", err)
		}
		err = s.Read(f, p)
		f.Close()
		if err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Read adds the results and unit metadata read from r to s. name is used
// in warnings ("name:line: message"). Syntax errors are recorded in
// s.Warnings and reading goes on; only an I/O error is returned.
func (s *Set) Read(r io.Reader, name string) error {
	if s.units == nil {
		s.units = make(benchfmt.UnitMetadataMap)
	}
	br := benchfmt.NewReader(r, name)
	for br.Scan() {
		switch rec := br.Result().(type) {
		case *benchfmt.SyntaxError:
			s.Warnings = append(s.Warnings, rec.Error())
		case *benchfmt.UnitMetadata:
			s.addUnit(rec)
		case *benchfmt.Result:
			s.Add(rec)
		}
	}
	if err := br.Err(); err != nil {
		return fmt.Errorf("read results %s: %w", name, err)
	}
	return nil
}

// Add adds a copy of one result to s.
func (s *Set) Add(r *benchfmt.Result) {
	s.results = append(s.results, r.Clone())
}

// addUnit records unit metadata. As within one benchfmt.Reader, the first
// value declared for a unit and key wins and a conflicting one is a warning.
func (s *Set) addUnit(u *benchfmt.UnitMetadata) {
	if have, ok := s.units[u.UnitMetadataKey]; ok {
		if have.Value != u.Value {
			file, line := u.Pos()
			s.Warnings = append(s.Warnings, fmt.Sprintf("%s:%d: metadata %s of unit %s already set to %s", file, line, u.Key, u.OrigUnit, have.Value))
		}
		return
	}
	s.units[u.UnitMetadataKey] = u
}

// Len returns the number of results (benchmark lines) in s.
func (s *Set) Len() int {
	if s == nil {
		return 0
	}
	return len(s.results)
}

// Units returns the unit metadata declared in s, indexed by tidied unit.
func (s *Set) Units() benchfmt.UnitMetadataMap {
	if s == nil {
		return nil
	}
	return s.units
}

// ConfigValues returns the distinct values of a file configuration key
// (such as "cpu" or "goos") across the results of s, in order of first
// appearance.
func (s *Set) ConfigValues(key string) []string {
	if s == nil {
		return nil
	}
	var out []string
	for _, r := range s.results {
		// go test pads the cpu brand string with blanks.
		v := strings.TrimSpace(r.GetConfig(key))
		if v != "" && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// mergeUnits returns the unit metadata of the given sets, the first
// declaration winning as benchstat's single reader does across its
// files, and a warning for each conflicting one.
func mergeUnits(sets ...*Set) (benchfmt.UnitMetadataMap, []string) {
	out := make(benchfmt.UnitMetadataMap)
	var warnings []string
	for _, s := range sets {
		for k, u := range s.Units() {
			have, ok := out[k]
			if !ok {
				out[k] = u
				continue
			}
			if have.Value != u.Value {
				file, line := u.Pos()
				warnings = append(warnings, fmt.Sprintf("%s:%d: metadata %s of unit %s already set to %s", file, line, u.Key, u.OrigUnit, have.Value))
			}
		}
	}
	slices.Sort(warnings)
	return out, warnings
}
