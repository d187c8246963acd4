package pgstore

import (
	"context"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// lexStats are the lexeme frequencies of a project's chunks, as ANALYZE
// leaves them in pg_stats (most_common_elems of the lex column): the
// lexical search uses them to weigh a query's lexemes by rarity and to
// pick the rare ones that select its candidates.
type lexStats struct {
	rows    float64            // chunks, as of the last ANALYZE
	freq    map[string]float64 // fraction of chunks holding the lexeme
	minFreq float64            // lexemes not listed are rarer than this
	loaded  time.Time
}

// lexicalStats returns a schema's lexeme frequencies, cached for
// Config.StatsTTL.
func (s *Store) lexicalStats(ctx context.Context, conn *pgxpool.Conn, schema string) (*lexStats, error) {
	s.mu.Lock()
	st := s.stats[schema]
	s.mu.Unlock()
	if st != nil && time.Since(st.loaded) < s.cfg.StatsTTL {
		return st, nil
	}
	st = &lexStats{freq: map[string]float64{}, loaded: time.Now()}
	var elems []string
	var freqs []float64
	err := conn.QueryRow(ctx, `SELECT c.reltuples::float8, s.most_common_elems::text::text[], s.most_common_elem_freqs::float8[]
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		LEFT JOIN pg_stats s ON s.schemaname = n.nspname AND s.tablename = c.relname AND s.attname = 'lex'
		WHERE n.nspname = $1 AND c.relname = 'terms'`, schema).Scan(&st.rows, &elems, &freqs)
	if err != nil {
		return nil, err
	}
	if st.rows < 0 {
		st.rows = 0 // never analyzed
	}
	// most_common_elem_freqs ends with the minimum and maximum frequency
	// (and for arrays, not tsvectors, the frequency of nulls).
	if len(elems) > 0 && len(freqs) >= len(elems)+2 {
		for i, e := range elems {
			st.freq[e] = freqs[i]
		}
		st.minFreq = freqs[len(elems)]
	}
	s.mu.Lock()
	s.stats[schema] = st
	s.mu.Unlock()
	return st, nil
}

func (s *Store) forgetStats(schema string) {
	s.mu.Lock()
	delete(s.stats, schema)
	s.mu.Unlock()
}

// lexicalPlan is how a lexical search runs: the tsquery that selects the
// candidates, and the lexemes that score them with their weights.
type lexicalPlan struct {
	candidates string    // a tsquery
	terms      []string  // every lexeme of the query
	weights    []float64 // their inverse document frequencies
}

// plan chooses a query's candidates. Scoring every chunk that holds any
// word of the query would read most of a large project for a query of
// common words, so the candidates are the chunks holding the rarest
// lexemes, OR-ed while their estimated count stays under limit; when even
// the rarest lexeme is more common than that, the chunks holding the
// rarest ones together (AND), as many as it takes to get under it. Every
// lexeme still counts in the score, weighted by its BM25 inverse document
// frequency.
func (st *lexStats) plan(terms []string, limit int) lexicalPlan {
	n := st.rows
	if len(terms) > maxQueryLexemes {
		// The rarest carry the query; common ones add cost, not rank.
		terms = slices.Clone(terms)
		slices.SortStableFunc(terms, func(a, b string) int { return cmpFloat(st.frequency(a), st.frequency(b)) })
		terms = terms[:maxQueryLexemes]
	}
	type term struct {
		word string
		freq float64
	}
	ts := make([]term, len(terms))
	p := lexicalPlan{terms: terms, weights: make([]float64, len(terms))}
	for i, t := range terms {
		f := st.frequency(t)
		ts[i] = term{t, f}
		df := f * n
		p.weights[i] = math.Log(1 + (n-df+0.5)/(df+0.5))
	}
	slices.SortStableFunc(ts, func(a, b term) int { return cmpFloat(a.freq, b.freq) })
	var or []string
	sum := 0.0
	for _, t := range ts {
		if len(or) > 0 && sum+t.freq*n > float64(limit) {
			break
		}
		or = append(or, quoteLexeme(t.word))
		sum += t.freq * n
	}
	if len(or) == 1 && sum > float64(limit) && len(ts) > 1 {
		and := []string{quoteLexeme(ts[0].word)}
		est := sum
		for _, t := range ts[1:] {
			if est <= float64(limit) {
				break
			}
			and = append(and, quoteLexeme(t.word))
			est *= t.freq
		}
		p.candidates = strings.Join(and, " & ")
		return p
	}
	p.candidates = strings.Join(or, " | ")
	return p
}

// maxQueryLexemes bounds the lexemes of a query that are scored.
const maxQueryLexemes = 16

// frequency is the fraction of chunks holding a lexeme: as listed, or
// half the least frequency listed for one that is not.
func (st *lexStats) frequency(w string) float64 {
	if f, ok := st.freq[w]; ok {
		return f
	}
	return st.minFreq / 2
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// quoteLexeme quotes a lexeme for a tsquery. Lexemes hold letters, digits
// and non-ASCII bytes only (see eachLexeme); quoting keeps tsquery's
// parser from reading anything into them.
func quoteLexeme(w string) string {
	return "'" + strings.ReplaceAll(strings.ReplaceAll(w, `\`, `\\`), "'", "''") + "'"
}
