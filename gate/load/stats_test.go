package load

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// TestClientHistogramIsSmall: a client's histograms are sparse, so that
// thousands of clients × tools of them stay cheap, and merge exactly.
func TestClientHistogramIsSmall(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 1))
	h := newToolHist()
	agg := newToolAgg()
	const n = 10_000
	for i := range n {
		// Log-uniform from 100µs to 10ms: a wide spread for one client's
		// calls of one tool in one round.
		d := time.Duration(float64(100*time.Microsecond) * math.Pow(10, 2*r.Float64()))
		h.record(d, i%10 == 0)
	}
	if size := h.hist.GetMemorySize(); size > 64<<10 {
		t.Errorf("a client histogram of %d calls takes %d bytes, want under 64 KiB", n, size)
	} else {
		t.Logf("a client histogram of %d calls over 2 decades: %d bytes", n, size)
	}
	agg.merge(h)
	agg.merge(h)
	s := agg.stats("t", time.Second)
	if s.Calls != 2*n || s.Errors != 2*n/10 || s.Rate != 2*n {
		t.Errorf("merged: %+v", s)
	}
	// Log-uniform: the median is at 1ms.
	if s.P50 < 900*time.Microsecond || s.P50 > 1100*time.Microsecond || !(s.P50 < s.P95 && s.P95 < s.P99) {
		t.Errorf("percentiles p50 %v p95 %v p99 %v", s.P50, s.P95, s.P99)
	}
}
