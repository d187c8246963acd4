package mcpserver

import (
	"runtime/debug"
)

// GC is how the garbage collector of a server process runs. A server
// serving small tool calls keeps little live heap, so the runtime's default
// (collect each time the heap doubles, GOGC=100) collects every few
// hundred calls and spends several percent of each call's CPU on marking
// and assists; a higher GCPercent trades a few megabytes of heap for
// fewer collections, and MemoryLimit bounds what that trade can cost.
type GC struct {
	// Percent is the heap growth, in percent of the live heap, that
	// triggers a collection (debug.SetGCPercent). Zero leaves the
	// runtime's setting: 100, or $GOGC.
	Percent int
	// MemoryLimit is the soft limit, in bytes, on the memory the Go
	// runtime uses (debug.SetMemoryLimit): near it the collector runs
	// more often whatever Percent says. Zero leaves the runtime's
	// setting: none, or $GOMEMLIMIT.
	MemoryLimit int64
}

// apply sets the collector's settings for the process, except those an
// operator set in the environment: $GOGC and $GOMEMLIMIT win, as they do
// for any Go program.
func (g GC) apply(getenv func(string) string) {
	if g.Percent > 0 && getenv("GOGC") == "" {
		debug.SetGCPercent(g.Percent)
	}
	if g.MemoryLimit > 0 && getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(g.MemoryLimit)
	}
}
