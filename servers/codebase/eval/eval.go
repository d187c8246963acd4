package eval

import (
	"context"
	"fmt"
	"io"

	"github.com/perfgate/perfgate/servers/codebase/index"
)

// Searcher is what Run queries: *index.Engine.
type Searcher interface {
	Search(ctx context.Context, q index.Query) ([]index.Hit, error)
}

// Modes are the rankings Run compares.
var Modes = []index.Mode{index.ModeLexical, index.ModeVector, index.ModeHybrid}

// Result is the quality of one ranking over the cases.
type Result struct {
	Mode    index.Mode
	Queries int
	// MRR is the mean reciprocal rank of the answer in the first K hits
	// (0 when absent); Recall the fraction of queries whose answer is in
	// them.
	MRR    float64
	Recall float64
	K      int
}

// Run asks every case of each mode of the project, K hits each.
func Run(ctx context.Context, s Searcher, project string, cases []Case, k int, modes []index.Mode) ([]Result, error) {
	var out []Result
	for _, m := range modes {
		r := Result{Mode: m, Queries: len(cases), K: k}
		for _, c := range cases {
			hits, err := s.Search(ctx, index.Query{Project: project, Text: c.Query, Mode: m, Limit: k})
			if err != nil {
				return nil, fmt.Errorf("%s search %q: %w", m, c.Query, err)
			}
			if rank := Rank(hits, c); rank > 0 {
				r.MRR += 1 / float64(rank)
				r.Recall++
			}
		}
		if len(cases) > 0 {
			r.MRR /= float64(len(cases))
			r.Recall /= float64(len(cases))
		}
		out = append(out, r)
	}
	return out, nil
}

// Rank is the 1-based rank of the case's function among hits, 0 if absent.
// Any chunk of the function counts (a long one is split in parts).
func Rank(hits []index.Hit, c Case) int {
	for i, h := range hits {
		if h.Path == c.Path && h.Symbol == c.Symbol {
			return i + 1
		}
	}
	return 0
}

// Write prints the results as a table, one row per ranking.
func Write(w io.Writer, rs []Result) {
	k := 10
	if len(rs) > 0 {
		k = rs[0].K
	}
	fmt.Fprintf(w, "%-8s %8s %9s %10s\n", "ranking", "queries", fmt.Sprintf("MRR@%d", k), fmt.Sprintf("Recall@%d", k))
	for _, r := range rs {
		fmt.Fprintf(w, "%-8s %8d %9.4f %10.4f\n", r.Mode, r.Queries, r.MRR, r.Recall)
	}
}

// BenchName is the benchmark WriteBench reports, one sub-benchmark per
// ranking: BenchmarkEval/ranking=hybrid.
const BenchName = "BenchmarkEval"

// WriteBench prints the results in Go benchmark format, for perfgate and
// benchstat: one line per ranking with the units mrr@K and recall@K, after
// Unit lines that declare them better when higher and exact: the same
// corpus, embedder and queries give the same figures, but for ties between
// equal vector distances, which the order chunks were written in breaks
// (about 0.0001 between runs of --limit 300), so one run is a sample that
// needs no statistics.
func WriteBench(w io.Writer, rs []Result) {
	units := map[string]bool{}
	for _, r := range rs {
		for _, u := range []string{fmt.Sprintf("mrr@%d", r.K), fmt.Sprintf("recall@%d", r.K)} {
			if !units[u] {
				units[u] = true
				fmt.Fprintf(w, "Unit %s better=higher assume=exact\n", u)
			}
		}
	}
	for _, r := range rs {
		fmt.Fprintf(w, "%s/ranking=%s 1 %.4f mrr@%d %.4f recall@%d\n", BenchName, r.Mode, r.MRR, r.K, r.Recall, r.K)
	}
}
