package mcpserver

import (
	"math"
	"runtime/debug"
	"testing"
)

// TestGCApply sets the collector from the config unless the environment
// names a setting; it changes process-wide state, so it does not run in
// parallel and restores what it found.
func TestGCApply(t *testing.T) {
	percent := debug.SetGCPercent(100)
	limit := debug.SetMemoryLimit(math.MaxInt64)
	t.Cleanup(func() {
		debug.SetGCPercent(percent)
		debug.SetMemoryLimit(limit)
	})
	current := func() (int, int64) {
		p := debug.SetGCPercent(-1)
		debug.SetGCPercent(p)
		return p, debug.SetMemoryLimit(-1) // a negative limit only reads it
	}
	env := func(vars map[string]string) func(string) string {
		return func(k string) string { return vars[k] }
	}

	GC{}.apply(env(nil))
	if p, l := current(); p != 100 || l != math.MaxInt64 {
		t.Errorf("zero GC: percent %d, limit %d; want the runtime's 100 and none", p, l)
	}
	GC{Percent: 400, MemoryLimit: 64 << 20}.apply(env(nil))
	if p, l := current(); p != 400 || l != 64<<20 {
		t.Errorf("GC{400, 64 MiB}: percent %d, limit %d", p, l)
	}
	debug.SetGCPercent(100)
	debug.SetMemoryLimit(math.MaxInt64)
	GC{Percent: 400, MemoryLimit: 64 << 20}.apply(env(map[string]string{"GOGC": "150", "GOMEMLIMIT": "1GiB"}))
	if p, l := current(); p != 100 || l != math.MaxInt64 {
		t.Errorf("with $GOGC and $GOMEMLIMIT set: percent %d, limit %d; want them left to the environment", p, l)
	}
}
