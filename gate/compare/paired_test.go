package compare_test

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/perfgate/perfgate/gate"
	"github.com/perfgate/perfgate/gate/compare"
)

// drifting returns n samples of a benchmark measured while the machine's
// speed drifted by up to 2x, each scaled by factor and, pair by pair, by a
// small wobble of ±2% (the noise within one pair).
func drifting(bench string, n int, factor float64, wobble []float64) string {
	var b strings.Builder
	for i := range n {
		drift := 1 + 0.5*(1+math.Sin(float64(i))) // 1x..2x
		v := 1000 * drift * factor * (1 + wobble[i%len(wobble)])
		fmt.Fprintf(&b, "Benchmark%s 100 %g ns/op 64 B/op\n", bench, v)
	}
	return b.String()
}

func TestPairedComparison(t *testing.T) {
	t.Parallel()
	up := []float64{0.02, -0.01, 0.015, -0.02, 0.0, 0.01}
	down := []float64{-0.01, 0.02, -0.015, 0.01, 0.02, -0.02}
	old := set(t, "base", drifting("Slow", 12, 1, up)+drifting("Same", 12, 1, up))
	nw := set(t, "head", drifting("Slow", 12, 1.15, down)+drifting("Same", 12, 1, down))

	// Unpaired, the drift (2x) hides 15%: Mann-Whitney U sees two
	// overlapping spreads.
	res := run(t, compare.Options{}, compare.Pair{Suite: "s", Old: old, New: nw})
	if c := find(t, res.Comparisons, "Slow", "sec/op"); c.Status == gate.StatusRegression || c.Paired != nil {
		t.Errorf("unpaired: Slow %s, paired %v; want no regression through the drift", c.Status, c.Paired)
	}

	// Paired, the ratio of each pair is 1.15 ± 4%.
	res = run(t, compare.Options{}, compare.Pair{Suite: "s", Old: old, New: nw, Paired: true})
	slow := find(t, res.Comparisons, "Slow", "sec/op")
	if slow.Paired == nil || slow.Paired.N != 12 || slow.Status != gate.StatusRegression ||
		math.Abs(slow.Delta-0.15) > 0.01 || slow.Delta != slow.Paired.Delta || slow.Paired.P > 1e-6 {
		t.Errorf("paired: Slow = %s, delta %.4f, paired %+v; want a regression of about +15%%", slow.Status, slow.Delta, slow.Paired)
	}
	// P stays benchstat's Mann-Whitney U p-value; the adjusted one is the
	// paired test's.
	if slow.P < 0.05 || slow.PAdjusted > 1e-5 {
		t.Errorf("paired: Slow P = %g (Mann-Whitney), adjusted %g", slow.P, slow.PAdjusted)
	}
	same := find(t, res.Comparisons, "Same", "sec/op")
	if same.Paired == nil || same.Status != gate.StatusUnchanged || math.Abs(same.Delta) > 0.02 {
		t.Errorf("paired: Same = %s, delta %.4f, paired %+v; want unchanged", same.Status, same.Delta, same.Paired)
	}
	// Constant on both sides: every pair equal, no change.
	if b := find(t, res.Comparisons, "Same", "B/op"); b.Paired == nil || b.Paired.P != 1 || b.Delta != 0 || b.Status != gate.StatusUnchanged {
		t.Errorf("paired: Same B/op = %s, paired %+v", b.Status, b.Paired)
	}
}

// Samples that cannot be paired are compared as benchstat compares them.
func TestPairedFallsBack(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, old, new string }{
		{"unequal counts", lines("X", 6, 100, 1, "ns/op"), lines("X", 7, 100, 1, "ns/op")},
		{"too few pairs", lines("X", 2, 100, 1, "ns/op"), lines("X", 2, 100, 1, "ns/op")},
		{"zero values", lines("X", 6, 0, 1, "widgets/op"), lines("X", 6, 0, 1, "widgets/op")},
		{"exact unit", "Unit errors/op assume=exact\n" + lines("X", 6, 1, 0, "errors/op"), "Unit errors/op assume=exact\n" + lines("X", 6, 2, 0, "errors/op")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := run(t, compare.Options{}, compare.Pair{Old: set(t, "old", tt.old), New: set(t, "new", tt.new), Paired: true})
			for _, c := range res.Comparisons {
				if c.Paired != nil {
					t.Errorf("%s %s compared as pairs: %+v", c.Benchmark, c.Unit, c.Paired)
				}
			}
		})
	}
}
