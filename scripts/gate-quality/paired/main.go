// Command paired re-reads the outputs of --base-ref runs of
// scripts/gate-quality.sh and asks what a paired comparison would have
// said: run i of the base and run i of the head are measured back to back
// (interleaved), so sample j of one and sample j of the other share the
// machine's state of that moment, which drifts on a shared machine by more
// than a 15% slowdown. It pairs the sec/op samples of every benchmark in
// that order and tests the log-ratios two ways, a sign test (no assumption
// about their distribution) and a paired t-test, each corrected with
// Benjamini-Hochberg over the run's comparisons as perfgate counts them
// (report.json). A benchmark is flagged when its adjusted p < alpha and its
// median ratio is beyond the threshold, as perfgate flags regressions.
//
//	go run ./scripts/gate-quality/paired -bench ParseBench /tmp/perfgate-gate-quality/base-ref-slow/*/
//
// This is an experiment's analysis, not the gate: docs/gate-quality.md.
package main

import (
	"flag"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"

	"github.com/aclements/go-moremath/stats"

	"github.com/perfgate/perfgate/gate/compare"
	"github.com/perfgate/perfgate/gate/report"
	"github.com/perfgate/perfgate/gate/run"
)

func main() {
	bench := flag.String("bench", "ParseBench", "the benchmark slowed down (its name without Benchmark and -N)")
	suite := flag.String("suite", "gate", "the suite")
	alpha := flag.Float64("alpha", 0.05, "significance level after correction")
	threshold := flag.Float64("threshold", 0.10, "a flagged change must be beyond this")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: paired [-bench NAME] [-suite NAME] DIR...")
		os.Exit(2)
	}
	var tally [2]struct{ detected, alarmed int }
	for _, dir := range flag.Args() {
		rs, err := analyse(dir, *suite)
		if err != nil {
			fmt.Fprintln(os.Stderr, "paired:", err)
			os.Exit(1)
		}
		fmt.Printf("%s:", dir)
		for t, name := range []string{"sign", "t"} {
			var detected bool
			var alarms []string
			for _, r := range rs {
				flagged := r.adj[t] < *alpha && r.ratio-1 > *threshold
				if r.name == *bench {
					detected = flagged
					fmt.Printf(" [%s %s: %+.1f%%, %d/%d pairs slower, p=%.2g adj=%.2g]", name, r.name, 100*(r.ratio-1), r.slower, r.n, r.p[t], r.adj[t])
				} else if flagged {
					alarms = append(alarms, fmt.Sprintf("%s %+.1f%%", r.name, 100*(r.ratio-1)))
				}
			}
			if detected {
				tally[t].detected++
			}
			if len(alarms) > 0 {
				tally[t].alarmed++
				fmt.Printf(" [%s false alarms: %s]", name, strings.Join(alarms, ", "))
			}
		}
		fmt.Println()
	}
	for t, name := range []string{"sign test", "paired t-test on log-ratios"} {
		fmt.Printf("%s: %s detected in %d of %d runs; runs with a false alarm: %d\n",
			name, *bench, tally[t].detected, flag.NArg(), tally[t].alarmed)
	}
}

type result struct {
	name      string
	n, slower int
	ratio     float64    // median head/base ratio
	p, adj    [2]float64 // sign test, t-test
}

// analyse pairs the sec/op samples of every benchmark of one run's output.
func analyse(dir, suite string) ([]result, error) {
	head, err := run.ReadResults(dir, suite)
	if err != nil {
		return nil, err
	}
	base, err := run.ReadBaseResults(dir, suite)
	if err != nil {
		return nil, err
	}
	m, err := comparisons(dir)
	if err != nil {
		return nil, err
	}
	hv, bv := secPerOp(head), secPerOp(base)
	var rs []result
	for name, h := range hv {
		b := bv[name]
		if len(b) != len(h) || len(h) < 2 {
			continue
		}
		r := result{name: name, n: len(h)}
		var lh, lb, ratios []float64
		for j := range h {
			lh, lb = append(lh, math.Log(h[j])), append(lb, math.Log(b[j]))
			ratios = append(ratios, h[j]/b[j])
			if h[j] > b[j] {
				r.slower++
			}
		}
		slices.Sort(ratios)
		r.ratio = stats.Sample{Xs: ratios, Sorted: true}.Quantile(0.5)
		// Sign test: under no change, each pair is slower on the head side
		// with probability 1/2.
		d := stats.BinomialDist{N: r.n, P: 0.5}
		k := float64(r.slower)
		r.p[0] = math.Min(1, 2*math.Min(d.CDF(k), 1-d.CDF(k-1)))
		if t, err := stats.PairedTTest(lh, lb, 0, stats.LocationDiffers); err == nil {
			r.p[1] = t.P
		} else {
			r.p[1] = 1 // all differences equal
		}
		rs = append(rs, r)
	}
	slices.SortFunc(rs, func(a, b result) int { return strings.Compare(a.name, b.name) })
	// Correct over as many comparisons as the gate made in this run; the
	// ones not paired here (B/op, allocs/op, mostly constant) count as p=1.
	for t := range 2 {
		ps := make([]float64, max(m, len(rs)))
		for i := range ps {
			ps[i] = 1
		}
		for i, r := range rs {
			ps[i] = r.p[t]
		}
		adj := compare.AdjustBH(ps)
		for i := range rs {
			rs[i].adj[t] = adj[i]
		}
	}
	return rs, nil
}

// secPerOp is each benchmark's ns/op samples in run order.
func secPerOp(r *run.Result) map[string][]float64 {
	out := map[string][]float64{}
	for _, rec := range r.Records {
		// "ParseBench-2", "Render/text-2": the name without GOMAXPROCS.
		name := string(rec.Name)
		if i := strings.LastIndexByte(name, '-'); i > 0 {
			name = name[:i]
		}
		for _, v := range rec.Values {
			if v.Unit == "ns/op" || v.Unit == "sec/op" {
				out[name] = append(out[name], v.Value)
			}
		}
	}
	return out
}

// comparisons is how many comparisons the gate corrected over in the run.
func comparisons(dir string) (int, error) {
	f, err := os.Open(dir + "/report.json")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	r, err := report.ReadJSON(f)
	if err != nil {
		return 0, err
	}
	return len(r.Comparisons), nil
}
