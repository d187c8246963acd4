package compare

import (
	"math"
	"slices"
)

// AdjustBH returns the Benjamini–Hochberg adjusted p-values of ps, in the
// order of ps, as R's p.adjust(ps, method = "BH") computes them: the i-th
// smallest of m p-values becomes min over j >= i of p(j)·m/j, capped at 1.
// A p-value below alpha after this adjustment keeps the expected share of
// false discoveries among all discoveries of the family at most alpha.
// NaN p-values are left as they are and are not counted in m.
func AdjustBH(ps []float64) []float64 {
	out := make([]float64, len(ps))
	idx := make([]int, 0, len(ps))
	for i, p := range ps {
		out[i] = p
		if !math.IsNaN(p) {
			idx = append(idx, i)
		}
	}
	// Stable, so ties keep a deterministic order; equal p-values end up
	// with equal adjusted values anyway through the running minimum.
	slices.SortStableFunc(idx, func(a, b int) int {
		switch {
		case ps[a] < ps[b]:
			return -1
		case ps[a] > ps[b]:
			return 1
		}
		return 0
	})
	m := float64(len(idx))
	running := 1.0
	for k := len(idx) - 1; k >= 0; k-- {
		i := idx[k]
		running = math.Min(running, ps[i]*m/float64(k+1))
		out[i] = running
	}
	return out
}
