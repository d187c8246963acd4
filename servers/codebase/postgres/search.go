package pgstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	pgvector "github.com/pgvector/pgvector-go"

	"github.com/perfgate/perfgate/servers/codebase"
	"github.com/perfgate/perfgate/servers/codebase/index"
)

// Search ranks a project's chunks for q: the vector ranking (cosine
// distance, through the IVFFlat index when the project has one), the
// lexical ranking (see lexicalPlan), or both fused by reciprocal rank,
// score = wv/(k+rank_v) + wl/(k+rank_l), scaled so that a chunk first in
// both rankings scores 1. It runs as one statement.
func (s *Store) Search(ctx context.Context, q index.Query) ([]index.Hit, error) {
	if q.Mode == "" {
		q.Mode = index.ModeHybrid
	}
	if q.Limit <= 0 {
		q.Limit = 10
	}
	var hits []index.Hit
	err := s.withProject(ctx, q.Project, func(p projectMeta) error {
		var err error
		hits, err = s.search(ctx, p, q)
		return err
	})
	return hits, err
}

func (s *Store) search(ctx context.Context, p projectMeta, q index.Query) ([]index.Hit, error) {
	useVector := q.Mode != index.ModeLexical
	useLexical := q.Mode != index.ModeVector
	if useVector && (q.Model != p.Model || len(q.Vector) != p.Dimension) {
		return nil, &index.MismatchError{Project: p.Name, IndexModel: p.Model, IndexDimension: p.Dimension,
			EmbedderModel: q.Model, EmbedderDimension: len(q.Vector), Err: codebase.ErrEmbedderMismatch}
	}
	k := max(s.cfg.Candidates, 2*q.Limit)
	var hits []index.Hit
	err := s.db.Do(ctx, func(conn *pgxpool.Conn) error {
		args := []any{}
		arg := func(v any) string {
			args = append(args, v)
			return "$" + strconv.Itoa(len(args))
		}
		chunks := ident(p.Schema, "chunks")
		repos := ident(p.Schema, "repositories")

		var filters []string
		if q.Repository != "" {
			id, err := s.repositoryID(ctx, conn, p, q.Repository)
			if err != nil {
				return err
			}
			filters = append(filters, "c.repository_id = "+arg(id))
		}
		if q.Language != "" {
			filters = append(filters, "c.language = "+arg(strings.ToLower(q.Language)))
		}
		if ft := strings.ToLower(strings.TrimPrefix(strings.TrimSpace(q.FileType), ".")); ft != "" {
			filters = append(filters, "c.ext = "+arg(ft))
		}
		if dir := cleanDirectory(q.Directory); dir != "" {
			filters = append(filters, "starts_with(c.path, "+arg(dir+"/")+")")
		}
		where := ""
		if len(filters) > 0 {
			where = " AND " + strings.Join(filters, " AND ")
		}

		// The lexical ranking goes deeper in a hybrid search: its
		// candidates are also ranked by exact cosine distance below.
		lk := k
		if useVector && useLexical {
			lk = max(k, s.cfg.HybridLexicalDepth)
		}
		lexicalCTE := "l AS (SELECT NULL::bigint AS id, NULL::bigint AS r WHERE false)"
		if terms := queryLexemes(q.Text); useLexical && len(terms) > 0 {
			st, err := s.lexicalStats(ctx, conn, p.Schema)
			if err != nil {
				return fmt.Errorf("lexeme statistics: %w", err)
			}
			lp := st.plan(terms, s.cfg.LexicalCandidates)
			// One ts_rank per lexeme, weighted by its rarity, written out
			// rather than summed over a subquery: a subplan per candidate
			// row costs more than the ranks themselves.
			// Values are parameters, so that the statement's text depends on
			// the number of lexemes and the filters only, and its prepared
			// form is reused.
			var score []string
			rw := arg(s.cfg.RankWeights)
			for i, t := range lp.terms {
				score = append(score, fmt.Sprintf("%s::float8 * ts_rank(%s::float4[], c.lex, %s::tsquery, %d)",
					arg(lp.weights[i]), rw, arg(quoteLexeme(t)), s.cfg.RankNormalization))
			}
			// The candidates are bounded: estimates from the statistics
			// miss words that go together, and the ranks cost a few
			// microseconds a row, a search's largest cost but for this
			// bound.
			lexicalCTE = fmt.Sprintf(`l AS (SELECT id, row_number() OVER (ORDER BY score DESC, id) AS r FROM (
					SELECT c.id, %[1]s AS score FROM (
						SELECT c.id, c.lex FROM %[2]s c WHERE c.lex @@ %[3]s::tsquery%[4]s LIMIT %[6]d) c
					ORDER BY score DESC, c.id LIMIT %[5]d) y)`,
				strings.Join(score, " + "), ident(p.Schema, "terms"), arg(lp.candidates), where, lk, s.cfg.LexicalCandidates)
		}
		vectorCTE := "v AS (SELECT NULL::bigint AS id, NULL::bigint AS r WHERE false)"
		if useVector {
			var vec any = pgvector.NewVector(q.Vector)
			if p.VectorType == "halfvec" {
				vec = pgvector.NewHalfVector(q.Vector)
			}
			va := arg(vec)
			candidates := fmt.Sprintf(`SELECT c.id, c.embedding <=> %[1]s AS d FROM %[2]s c WHERE true%[3]s ORDER BY c.embedding <=> %[1]s LIMIT %[4]d`,
				va, chunks, where, k)
			if useLexical {
				// The vector ranking of a hybrid search orders by exact
				// distance the union of the index's nearest chunks and the
				// lexical candidates: the IVFFlat index, probing a tenth of
				// its lists, misses neighbours that the words of the query
				// find, at the cost of a few hundred distances.
				vectorCTE = fmt.Sprintf(`vc AS (%[1]s),
				v AS (SELECT u.id, row_number() OVER (ORDER BY c.embedding <=> %[2]s, u.id) AS r
					FROM (SELECT id FROM vc UNION SELECT id FROM l) u JOIN %[3]s c ON c.id = u.id)`, candidates, va, chunks)
			} else {
				vectorCTE = fmt.Sprintf(`v AS (SELECT id, row_number() OVER (ORDER BY d, id) AS r FROM (%s) x)`, candidates)
			}
		}
		wv, wl := s.cfg.VectorWeight, s.cfg.LexicalWeight
		if !useVector {
			wv = 0
		}
		if !useLexical {
			wl = 0
		}
		scale := (wv + wl) / (s.cfg.RRFK + 1)
		sql := fmt.Sprintf(`WITH %[2]s, %[1]s,
			f AS (SELECT coalesce(v.id, l.id) AS id,
				(%[3]g * coalesce(1.0 / (%[5]g + v.r), 0) + %[4]g * coalesce(1.0 / (%[5]g + l.r), 0)) / %[6]g AS score
				FROM v FULL JOIN l ON v.id = l.id ORDER BY score DESC, id LIMIT %[7]d)
			SELECT f.score, r.name, c.path, c.language, c.symbol, c.kind, c.start_line, c.end_line, c.content, c.content_hash
			FROM f JOIN %[8]s c ON c.id = f.id JOIN %[9]s r ON r.id = c.repository_id
			ORDER BY f.score DESC, f.id`,
			vectorCTE, lexicalCTE, wv, wl, s.cfg.RRFK, scale, q.Limit, chunks, repos)

		s.cfg.Logger.Debug("search", "project", p.Name, "sql", sql)
		batch := &pgx.Batch{}
		// Settings local to the batch's implicit transaction, in one
		// statement: no parallel workers (a search is small, and starting
		// workers costs more than it saves when searches run side by
		// side); the IVFFlat probes for the project's lists, iterating over
		// more lists when filters could leave too few; and the generic
		// plan of the prepared search. The search's text depends on the
		// number of lexemes and the filters only, so one prepared
		// statement serves every query of that shape; its plan does not
		// depend on the values (GIN bitmap scan for the candidates, the
		// IVFFlat index or an exact scan for the neighbours), and planning
		// it again for each search's values, as Postgres otherwise does
		// here, cost about 0.7 ms of database CPU a search (15% of it).
		probes, iterative := "1", "off"
		if p.IVFLists > 0 && useVector {
			probes = strconv.Itoa(min(p.IVFLists, max(2, p.IVFLists/s.cfg.ProbeDivisor)))
			if len(filters) > 0 {
				iterative = "relaxed_order"
			}
		}
		settings := "SELECT set_config('max_parallel_workers_per_gather', '0', true), set_config('plan_cache_mode', 'force_generic_plan', true), " +
			"set_config('ivfflat.probes', $1, true)"
		sargs := []any{probes}
		if s.iterativeScan(ctx, conn) {
			settings += ", set_config('ivfflat.iterative_scan', $2, true)"
			sargs = append(sargs, iterative)
		}
		batch.Queue(settings, sargs...)
		var scanErr error
		batch.Queue(sql, args...).Query(func(rows pgx.Rows) error {
			for rows.Next() {
				var h index.Hit
				if err := rows.Scan(&h.Score, &h.Repository, &h.Path, &h.Language, &h.Symbol, &h.Kind,
					&h.StartLine, &h.EndLine, &h.Snippet, &h.ContentHash); err != nil {
					scanErr = err
					return err
				}
				h.Snippet = snippet(h.Snippet, s.cfg.SnippetBytes)
				hits = append(hits, h)
			}
			return rows.Err()
		})
		if err := conn.SendBatch(ctx, batch).Close(); err != nil {
			return err
		}
		return scanErr
	})
	if err != nil {
		var rnf *index.RepositoryNotFoundError
		var mm *index.MismatchError
		if errors.As(err, &rnf) || errors.As(err, &mm) || isStaleSchema(err) {
			return nil, err
		}
		return nil, fmt.Errorf("search %s: %w", p.Name, err)
	}
	return hits, nil
}

// iterativeScan reports whether pgvector has iterative index scans
// (0.8.0 and later), once.
func (s *Store) iterativeScan(ctx context.Context, conn *pgxpool.Conn) bool {
	s.mu.Lock()
	known, ok := s.iterative, s.iterativeKnown
	s.mu.Unlock()
	if ok {
		return known
	}
	var v string
	if err := conn.QueryRow(ctx, "SELECT extversion FROM pg_extension WHERE extname = 'vector'").Scan(&v); err != nil {
		return false
	}
	var major, minor int
	_, _ = fmt.Sscanf(v, "%d.%d", &major, &minor)
	known = major > 0 || minor >= 8
	s.mu.Lock()
	s.iterative, s.iterativeKnown = known, true
	s.mu.Unlock()
	return known
}

// repositoryID returns the id of a project's repository by name or root,
// or a *index.RepositoryNotFoundError listing them.
func (s *Store) repositoryID(ctx context.Context, conn *pgxpool.Conn, p projectMeta, name string) (int, error) {
	rows, err := conn.Query(ctx, "SELECT id, name, root FROM "+ident(p.Schema, "repositories")+" ORDER BY name")
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var known []string
	for rows.Next() {
		var id int
		var n, root string
		if err := rows.Scan(&id, &n, &root); err != nil {
			return 0, err
		}
		if n == name || root == name {
			return id, nil
		}
		known = append(known, n)
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	return 0, &index.RepositoryNotFoundError{Project: p.Name, Name: name, Known: known}
}

// cleanDirectory turns a directory filter into a path prefix without
// slashes around it: "./pkg/util/" gives "pkg/util"; "." and "/" give "".
func cleanDirectory(d string) string {
	d = strings.TrimSpace(strings.ReplaceAll(d, "\\", "/"))
	for strings.HasPrefix(d, "./") {
		d = d[2:]
	}
	d = strings.Trim(d, "/")
	if d == "." {
		return ""
	}
	return d
}

// snippet cuts content to at most n bytes, at the end of a line when
// there is one, marking the cut.
func snippet(content string, n int) string {
	if len(content) <= n {
		return content
	}
	cut := content[:n]
	if i := strings.LastIndexByte(cut, '\n'); i > n/2 {
		cut = cut[:i+1]
	}
	for i := 0; i < utf8.UTFMax && len(cut) > 0; i++ {
		if r, size := utf8.DecodeLastRuneInString(cut); r != utf8.RuneError || size != 1 {
			break
		}
		cut = cut[:len(cut)-1] // do not split a character
	}
	return cut + "…"
}
