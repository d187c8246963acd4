package load

import (
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// The histograms' range and precision: 1µs to 10 minutes at 3 significant
// digits (0.1%). A latency beyond the range is recorded as its maximum.
const (
	histLowest  = int64(time.Microsecond)
	histHighest = int64(10 * time.Minute)
	histDigits  = 3
)

// Round is the result of one measured round.
type Round struct {
	// Index counts rounds from 0.
	Index int
	// Duration is the round's length: calls started in it are counted in
	// it, whenever they end.
	Duration time.Duration
	// Tools are in the order of Scenario.Tools; a tool not called in the
	// round has Calls 0.
	Tools []ToolStats
}

// ToolStats are one tool's calls in one round, over all clients. Latencies
// are of every call, errors included.
type ToolStats struct {
	Tool   string
	Calls  int64
	Errors int64
	// Mean is exact; the percentiles are the histogram's, within 0.1%.
	Mean, P50, P95, P99 time.Duration
	// Rate is Calls per second of the round (0 for a round of no length).
	Rate float64
}

// ErrorRate is Errors/Calls, 0 without calls.
func (s ToolStats) ErrorRate() float64 {
	if s.Calls == 0 {
		return 0
	}
	return float64(s.Errors) / float64(s.Calls)
}

// toolHist records one tool's calls of one client. It is not safe for
// concurrent use: each client records into its own, merged into the
// round's toolAgg when the round ends. It is sparse (a PackedHistogram):
// a client fills few of the buckets, and there are clients × tools of
// them.
type toolHist struct {
	hist   *hdrhistogram.PackedHistogram
	calls  int64
	errors int64
	sum    time.Duration
}

func newToolHist() *toolHist {
	return &toolHist{hist: hdrhistogram.NewPacked(histLowest, histHighest, histDigits)}
}

func (h *toolHist) record(d time.Duration, failed bool) {
	v := min(max(int64(d), histLowest), histHighest)
	_ = h.hist.RecordValue(v) // in range by construction
	h.calls++
	h.sum += d
	if failed {
		h.errors++
	}
}

func (h *toolHist) reset() {
	h.hist.Reset()
	h.calls, h.errors, h.sum = 0, 0, 0
}

// toolAgg is one tool's calls of one round, merged from every client.
type toolAgg struct {
	hist   *hdrhistogram.Histogram
	calls  int64
	errors int64
	sum    time.Duration
}

func newToolAgg() *toolAgg {
	return &toolAgg{hist: hdrhistogram.New(histLowest, histHighest, histDigits)}
}

func (a *toolAgg) merge(h *toolHist) {
	h.hist.MergeInto(a.hist)
	a.calls += h.calls
	a.errors += h.errors
	a.sum += h.sum
}

func (a *toolAgg) reset() {
	a.hist.Reset()
	a.calls, a.errors, a.sum = 0, 0, 0
}

// stats returns a as a tool's results of a round of duration d.
func (a *toolAgg) stats(tool string, d time.Duration) ToolStats {
	s := ToolStats{Tool: tool, Calls: a.calls, Errors: a.errors}
	if a.calls == 0 {
		return s
	}
	s.Mean = a.sum / time.Duration(a.calls)
	s.P50 = time.Duration(a.hist.ValueAtQuantile(50))
	s.P95 = time.Duration(a.hist.ValueAtQuantile(95))
	s.P99 = time.Duration(a.hist.ValueAtQuantile(99))
	if d > 0 {
		s.Rate = float64(a.calls) / d.Seconds()
	}
	return s
}

// roundHists are one client's records of one round, one per tool in the
// order of Scenario.Tools.
type roundHists []*toolHist

func newRoundHists(tools int) roundHists {
	r := make(roundHists, tools)
	for i := range r {
		r[i] = newToolHist()
	}
	return r
}

func (r roundHists) calls() int64 {
	var n int64
	for _, h := range r {
		n += h.calls
	}
	return n
}

func (r roundHists) reset() {
	for _, h := range r {
		h.reset()
	}
}

// roundAgg is a round's records of every client, one per tool.
type roundAgg []*toolAgg

func newRoundAgg(tools int) roundAgg {
	r := make(roundAgg, tools)
	for i := range r {
		r[i] = newToolAgg()
	}
	return r
}

func (r roundAgg) reset() {
	for _, a := range r {
		a.reset()
	}
}
