package compare

import (
	"math"

	"github.com/aclements/go-moremath/stats"

	"github.com/perfgate/perfgate/gate"
)

// pairedTest compares old[i] with new[i] as pairs: a paired t-test on the
// log-ratios log(new[i]/old[i]), whose mean is the log of the change. On a
// machine whose speed drifts, both sides' samples spread over the drift
// and a two-sample test (Mann-Whitney U) must see a change through that
// spread; the ratio of two samples taken back to back does not carry it.
// Logs make the test one of relative change, symmetric in the direction.
//
// It reports false when the samples cannot be paired: a different number
// on each side, fewer than MinPairs, or a value that is not positive.
func pairedTest(old, new []float64) (*gate.PairedTest, bool) {
	n := len(old)
	if n != len(new) || n < MinPairs {
		return nil, false
	}
	lo, ln := make([]float64, n), make([]float64, n)
	var sum float64
	for i := range n {
		if !(old[i] > 0) || !(new[i] > 0) || math.IsInf(old[i], 0) || math.IsInf(new[i], 0) {
			return nil, false
		}
		lo[i], ln[i] = math.Log(old[i]), math.Log(new[i])
		sum += ln[i] - lo[i]
	}
	mean := sum / float64(n)
	pt := &gate.PairedTest{N: n, Delta: math.Expm1(mean)}
	t, err := stats.PairedTTest(ln, lo, 0, stats.LocationDiffers)
	switch {
	case err == nil:
		pt.P = t.P
	case mean == 0:
		// Every pair is equal: no change at all.
		pt.P = 1
	default:
		// Every pair changed by the same ratio (zero variance): a change
		// beyond doubt, as for an exact unit.
		pt.P = 0
	}
	return pt, true
}
