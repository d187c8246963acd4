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

// Write prints the results as a table, then in Go benchmark format (one
// line per mode, units mrr@K and recall@K, higher is better) for perfgate.
func Write(w io.Writer, rs []Result) {
	fmt.Fprintf(w, "%-8s %8s %9s %10s\n", "ranking", "queries", "MRR@10", "Recall@10")
	for _, r := range rs {
		fmt.Fprintf(w, "%-8s %8d %9.4f %10.4f\n", r.Mode, r.Queries, r.MRR, r.Recall)
	}
	fmt.Fprintln(w)
	for _, r := range rs {
		fmt.Fprintf(w, "Unit mrr@%d better=higher\nUnit recall@%d better=higher\n", r.K, r.K)
		break
	}
	for _, r := range rs {
		fmt.Fprintf(w, "BenchmarkSearchQuality/ranking=%s 1 %.4f mrr@%d %.4f recall@%d\n", r.Mode, r.MRR, r.K, r.Recall, r.K)
	}
}
