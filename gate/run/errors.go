package run

import (
	"errors"
	"fmt"
	"strings"
)

// ErrNoResults is returned by ReadResults when an output directory holds
// no results for a suite.
var ErrNoResults = errors.New("no results")

// SuiteError is an infrastructure failure of one suite: its command was
// missing, could not start, crashed, or timed out. It is not a finding
// about the code measured; perfgate exits 3 on it.
type SuiteError struct {
	Suite string
	// Side is "base" or "head" under --base-ref, empty otherwise.
	Side string
	// Run is the 1-based run that failed, out of Runs.
	Run, Runs int
	// Reason says what happened, e.g. "timed out after 10m0s" or
	// "command not found (exit status 127)".
	Reason string
	// ExitCode is the command's exit status, or -1 when it did not exit
	// by itself (timeout, signal, failure to start).
	ExitCode int
	// Output is the raw stdout file of the failed run, as displayed in
	// warnings (relative to the repository root when inside it).
	Output string
	// Tail is the end of the run's output (stdout, decoded from JSON for
	// test suites, then stderr), at most Runner.TailLines lines.
	Tail []string
}

// Error returns a header line followed by the tail of the output, indented,
// so that printing the error tells the whole story.
func (e *SuiteError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "suite %s", e.Suite)
	if e.Side != "" {
		fmt.Fprintf(&b, " (%s)", e.Side)
	}
	if e.Runs > 1 {
		fmt.Fprintf(&b, " run %d/%d", e.Run, e.Runs)
	}
	fmt.Fprintf(&b, ": %s", e.Reason)
	if e.Output != "" {
		fmt.Fprintf(&b, "; output in %s", e.Output)
	}
	if len(e.Tail) > 0 {
		fmt.Fprintf(&b, "\nlast %d lines of output:", len(e.Tail))
		for _, l := range e.Tail {
			b.WriteString("\n    ")
			b.WriteString(l)
		}
	}
	return b.String()
}
