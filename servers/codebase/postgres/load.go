package pgstore

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	pgvector "github.com/pgvector/pgvector-go"

	"github.com/perfgate/perfgate/servers/codebase"
	"github.com/perfgate/perfgate/servers/codebase/index"
)

// A load writes one job's files in one of three ways:
//
//   - direct: the repository has nothing indexed yet (a first index, or a
//     new project). Each Write is a transaction of its own, so a search
//     sees the files appear whole, one batch at a time; Close before
//     Commit deletes them again.
//   - staged: the repository is indexed and the job updates it. Writes go
//     to temporary tables on the job's connection; Commit applies them
//     and the deletions in one transaction, so a search sees the old
//     index or the new one, never a mix; Close before Commit drops them.
//   - rebuild (force): a new schema is filled directly, with the other
//     repositories of the project copied over when the embedder is the
//     same, and Commit swaps it in for the old one in one transaction.
type load struct {
	s    *Store
	conn *pgxpool.Conn
	t    index.Target

	locked  bool
	live    *projectMeta // the project as it was before the job; nil if new
	schema  string       // the schema written
	vtype   string
	created bool // the project did not exist: Close before Commit drops it
	rebuild bool // schema is new and replaces live's at Commit
	direct  bool // writes go straight to the tables
	bulk    bool // secondary indexes dropped for the load
	reuse   string
	repoID  int

	staging  bool
	staged   []string // paths written to the staging tables
	written  int      // chunks written
	warnings []string
	done     bool

	ivfLists int // the vector index after finish
	ivfRows  int64
}

// lockKey is the advisory lock of a project's writer.
const lockKey = "SELECT pg_try_advisory_lock(hashtextextended('codebase-mcp/project/' || $1, 0))"
const unlockKey = "SELECT pg_advisory_unlock(hashtextextended('codebase-mcp/project/' || $1, 0))"

// Open starts writing a repository into a project for a job.
func (s *Store) Open(ctx context.Context, t index.Target) (index.Load, error) {
	if err := index.ValidateProjectName(t.Project); err != nil {
		return nil, err
	}
	if t.Dimension <= 0 {
		return nil, fmt.Errorf("open %s: embedder dimension %d unknown", t.Project, t.Dimension)
	}
	conn, err := s.db.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	l := &load{s: s, conn: conn, t: t, vtype: vectorType(t.Dimension)}
	ok := false
	defer func() {
		if !ok {
			l.release(ctx)
		}
	}()
	if err := conn.QueryRow(ctx, lockKey, t.Project).Scan(&l.locked); err != nil {
		return nil, fmt.Errorf("lock project %s: %w", t.Project, err)
	}
	if !l.locked {
		return nil, fmt.Errorf("%w: another job is indexing project %q", index.ErrProjectBusy, t.Project)
	}
	p, err := s.project(ctx, t.Project, true)
	var nf *index.ProjectNotFoundError
	switch {
	case errors.As(err, &nf):
		if err := l.createProject(ctx); err != nil {
			return nil, err
		}
	case err != nil:
		return nil, err
	default:
		l.live = &p
		same := p.Model == t.Model && p.Dimension == t.Dimension
		if !same && !t.Force {
			return nil, &index.MismatchError{Project: t.Project, IndexModel: p.Model, IndexDimension: p.Dimension,
				EmbedderModel: t.Model, EmbedderDimension: t.Dimension, Err: codebase.ErrEmbedderMismatch}
		}
		if t.Force {
			if err := l.startRebuild(ctx, same); err != nil {
				return nil, err
			}
		} else {
			l.schema, l.vtype, l.reuse = p.Schema, p.VectorType, p.Schema
		}
	}
	if err := l.repository(ctx); err != nil {
		return nil, err
	}
	ok = true
	return l, nil
}

// createProject creates a new project's schema and row, committed at once
// so that its first files are searchable as they are written.
func (l *load) createProject(ctx context.Context) error {
	l.schema = newSchemaName(l.t.Project)
	err := pgx.BeginFunc(ctx, l.conn, func(tx pgx.Tx) error {
		if err := createTables(ctx, tx, l.schema, l.vtype, l.t.Dimension, hasLZ4(ctx, l.conn)); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO codebase.projects (name, schema_name, model, dimension, vector_type) VALUES ($1, $2, $3, $4, $5)`,
			l.t.Project, l.schema, l.t.Model, l.t.Dimension, l.vtype)
		return err
	})
	if err != nil {
		return fmt.Errorf("create project %s: %w", l.t.Project, err)
	}
	l.created, l.direct = true, true
	l.s.forget(l.t.Project)
	return nil
}

// startRebuild creates the schema that replaces the project's at Commit,
// and copies the other repositories into it when their vectors are of the
// same embedder; otherwise they are dropped, with a warning.
func (l *load) startRebuild(ctx context.Context, sameEmbedder bool) error {
	l.schema, l.rebuild, l.direct = newSchemaName(l.t.Project), true, true
	old := l.live.Schema
	err := pgx.BeginFunc(ctx, l.conn, func(tx pgx.Tx) error {
		if err := createTables(ctx, tx, l.schema, l.vtype, l.t.Dimension, hasLZ4(ctx, l.conn)); err != nil {
			return err
		}
		if !sameEmbedder {
			rows, err := tx.Query(ctx, "SELECT name FROM "+ident(old, "repositories")+" WHERE root <> $1 ORDER BY name", l.t.Root)
			if err != nil {
				return err
			}
			dropped, err := pgx.CollectRows(rows, pgx.RowTo[string])
			if err != nil {
				return err
			}
			if len(dropped) > 0 {
				l.warnings = append(l.warnings, fmt.Sprintf("project %q was rebuilt with embedder %s: repositories %s, indexed with %s, were dropped; index them again",
					l.t.Project, l.t.Model, strings.Join(dropped, ", "), l.live.Model))
			}
			return nil
		}
		for _, q := range []string{
			"INSERT INTO %[1]s OVERRIDING SYSTEM VALUE SELECT * FROM %[2]s WHERE root <> $1",
			"INSERT INTO %[3]s OVERRIDING SYSTEM VALUE SELECT f.* FROM %[4]s f JOIN %[2]s r ON r.id = f.repository_id WHERE r.root <> $1",
			"INSERT INTO %[5]s SELECT c.* FROM %[6]s c JOIN %[2]s r ON r.id = c.repository_id WHERE r.root <> $1",
			"INSERT INTO %[7]s SELECT t.* FROM %[8]s t JOIN %[2]s r ON r.id = t.repository_id WHERE r.root <> $1",
		} {
			q = fmt.Sprintf(q, ident(l.schema, "repositories"), ident(old, "repositories"), ident(l.schema, "files"),
				ident(old, "files"), ident(l.schema, "chunks"), ident(old, "chunks"), ident(l.schema, "terms"), ident(old, "terms"))
			if _, err := tx.Exec(ctx, q, l.t.Root); err != nil {
				return err
			}
		}
		for _, table := range []string{"repositories", "files"} {
			q := fmt.Sprintf("SELECT setval(pg_get_serial_sequence('%s', 'id'), coalesce(max(id), 0) + 1, false) FROM %s",
				strings.ReplaceAll(ident(l.schema, table), "'", "''"), ident(l.schema, table))
			if _, err := tx.Exec(ctx, q); err != nil {
				return err
			}
		}
		q := fmt.Sprintf("SELECT setval('%s', coalesce(max(id), 0) + 1, false) FROM %s",
			strings.ReplaceAll(ident(l.schema, "chunk_ids"), "'", "''"), ident(l.schema, "chunks"))
		_, err := tx.Exec(ctx, q)
		return err
	})
	if err != nil {
		return fmt.Errorf("start rebuilding project %s: %w", l.t.Project, err)
	}
	if sameEmbedder {
		l.reuse = old
	}
	return nil
}

// repository finds or creates the repository's row in the schema written,
// and chooses direct writes for a repository with no files indexed.
func (l *load) repository(ctx context.Context) error {
	repos := ident(l.schema, "repositories")
	var files int
	err := l.conn.QueryRow(ctx, "SELECT id, files FROM "+repos+" WHERE root = $1", l.t.Root).Scan(&l.repoID, &files)
	if err == nil {
		if files == 0 {
			l.direct = true
		}
		return nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("look up repository %s: %w", l.t.Root, err)
	}
	rows, err := l.conn.Query(ctx, "SELECT name FROM "+repos)
	if err != nil {
		return fmt.Errorf("list repositories: %w", err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("list repositories: %w", err)
	}
	name := repositoryName(l.t.Root, names)
	if err := l.conn.QueryRow(ctx, "INSERT INTO "+repos+" (name, root) VALUES ($1, $2) RETURNING id", name, l.t.Root).Scan(&l.repoID); err != nil {
		return fmt.Errorf("add repository %s: %w", l.t.Root, err)
	}
	l.direct = true
	return nil
}

// repositoryName is the base name of root, with "-2", "-3"... when another
// repository of the project has it.
func repositoryName(root string, taken []string) string {
	base := path.Base(strings.ReplaceAll(root, "\\", "/"))
	if base == "/" || base == "." || base == "" {
		base = "root"
	}
	used := map[string]bool{}
	for _, n := range taken {
		used[n] = true
	}
	name := base
	for i := 2; used[name]; i++ {
		name = fmt.Sprintf("%s-%d", base, i)
	}
	return name
}

// Indexed returns the content hash of every file of the repository already
// indexed, by path.
func (l *load) Indexed(ctx context.Context) (map[string]string, error) {
	out := map[string]string{}
	if l.direct {
		return out, nil
	}
	rows, err := l.conn.Query(ctx, "SELECT path, content_hash FROM "+ident(l.schema, "files")+" WHERE repository_id = $1", l.repoID)
	if err != nil {
		return nil, fmt.Errorf("list indexed files: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var p, h string
		if err := rows.Scan(&p, &h); err != nil {
			return nil, err
		}
		out[p] = h
	}
	return out, rows.Err()
}

// Begin prepares for the job's writes: the staging tables of an update, or
// for a bulk first index, no secondary indexes to maintain.
func (l *load) Begin(ctx context.Context, p index.Plan) error {
	if !l.direct {
		return l.createStaging(ctx)
	}
	if l.created || l.rebuild {
		// A new schema has no secondary indexes until Commit builds them.
		l.bulk = true
		return nil
	}
	var projectFiles int
	if err := l.conn.QueryRow(ctx, "SELECT coalesce(sum(files), 0) FROM "+ident(l.schema, "repositories")).Scan(&projectFiles); err != nil {
		return fmt.Errorf("count files: %w", err)
	}
	if p.Write >= l.s.cfg.BulkMinFiles && p.Write >= projectFiles {
		if err := dropChunkIndexes(ctx, l.conn, l.schema); err != nil {
			return err
		}
		l.bulk = true
		if err := l.setIVF(ctx, l.conn, 0, 0); err != nil {
			return err
		}
	}
	return nil
}

func (l *load) createStaging(ctx context.Context) error {
	for _, q := range []string{
		"DROP TABLE IF EXISTS pg_temp.stage_files, pg_temp.stage_chunks, pg_temp.stage_terms",
		"CREATE TEMP TABLE stage_files (path text, language text, size bigint, content_hash text)",
		fmt.Sprintf(`CREATE TEMP TABLE stage_chunks (id bigint, path text, language text, ext text, symbol text, kind text,
			start_line integer, end_line integer, content text, content_hash text, embedding %s(%d))`, l.vtype, l.t.Dimension),
		"CREATE TEMP TABLE stage_terms (id bigint, path text, language text, ext text, lex tsvector)",
	} {
		if _, err := l.conn.Exec(ctx, q); err != nil {
			return fmt.Errorf("create staging tables: %w", err)
		}
	}
	l.staging = true
	return nil
}

// Embeddings returns the stored vectors of the chunk hashes the index
// holds. It runs on a connection of its own, so that it can overlap with
// Write.
func (l *load) Embeddings(ctx context.Context, hashes []string) (map[string][]float32, error) {
	out := map[string][]float32{}
	if l.reuse == "" || len(hashes) == 0 {
		return out, nil
	}
	err := l.s.db.Do(ctx, func(conn *pgxpool.Conn) error {
		rows, err := conn.Query(ctx, "SELECT DISTINCT ON (content_hash) content_hash, embedding FROM "+ident(l.reuse, "chunks")+
			" WHERE content_hash = ANY($1)", hashes)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var h string
			if l.vtype == "halfvec" {
				var v pgvector.HalfVector
				if err := rows.Scan(&h, &v); err != nil {
					return err
				}
				out[h] = v.Slice()
			} else {
				var v pgvector.Vector
				if err := rows.Scan(&h, &v); err != nil {
					return err
				}
				out[h] = v.Slice()
			}
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("look up embeddings: %w", err)
	}
	return out, nil
}

// The columns the writes copy. A chunk row starts with file_id and
// repository_id, filled in by the writer; staging leaves them out.
var (
	chunkColumns      = []string{"file_id", "repository_id", "id", "path", "language", "ext", "symbol", "kind", "start_line", "end_line", "content", "content_hash", "embedding"}
	stageChunkColumns = chunkColumns[2:]
	termColumns       = []string{"repository_id", "id", "path", "language", "ext", "lex"}
	stageTermColumns  = termColumns[1:]
)

// Write stores files with their chunks.
func (l *load) Write(ctx context.Context, files []index.FileChunks) error {
	if l.done {
		return errors.New("write after commit")
	}
	if len(files) == 0 {
		return nil
	}
	for _, f := range files {
		if len(f.Vectors) != len(f.Chunks) {
			return fmt.Errorf("write %s: %d vectors for %d chunks", f.File.Path, len(f.Vectors), len(f.Chunks))
		}
	}
	ids, err := allocateIDs(ctx, l.conn, l.schema, files)
	if err != nil {
		return err
	}
	rows, terms := encodeChunks(files, l.vtype, ids)
	if l.direct {
		err := pgx.BeginFunc(ctx, l.conn, func(tx pgx.Tx) error {
			fileIDs, err := insertFiles(ctx, tx, ident(l.schema, "files"), l.repoID, files)
			if err != nil {
				return err
			}
			for _, r := range rows {
				r[0], r[1] = fileIDs[r[3].(string)], l.repoID
			}
			for _, r := range terms {
				r[0] = l.repoID
			}
			if _, err = tx.CopyFrom(ctx, pgx.Identifier{l.schema, "chunks"}, chunkColumns, pgx.CopyFromRows(rows)); err != nil {
				return err
			}
			_, err = tx.CopyFrom(ctx, pgx.Identifier{l.schema, "terms"}, termColumns, pgx.CopyFromRows(terms))
			return err
		})
		if err != nil {
			return fmt.Errorf("write %d files: %w", len(files), err)
		}
		l.written += len(rows)
		return nil
	}
	fileRows := make([][]any, len(files))
	for i, f := range files {
		fileRows[i] = []any{f.File.Path, string(f.File.Language), f.File.Size, f.File.Hash}
		l.staged = append(l.staged, f.File.Path)
	}
	if _, err := l.conn.CopyFrom(ctx, pgx.Identifier{"stage_files"}, []string{"path", "language", "size", "content_hash"}, pgx.CopyFromRows(fileRows)); err != nil {
		return fmt.Errorf("stage %d files: %w", len(files), err)
	}
	for i := range rows {
		rows[i] = rows[i][2:]
	}
	for i := range terms {
		terms[i] = terms[i][1:]
	}
	if _, err := l.conn.CopyFrom(ctx, pgx.Identifier{"stage_chunks"}, stageChunkColumns, pgx.CopyFromRows(rows)); err != nil {
		return fmt.Errorf("stage chunks of %d files: %w", len(files), err)
	}
	if _, err := l.conn.CopyFrom(ctx, pgx.Identifier{"stage_terms"}, stageTermColumns, pgx.CopyFromRows(terms)); err != nil {
		return fmt.Errorf("stage terms of %d files: %w", len(files), err)
	}
	l.written += len(rows)
	return nil
}

// allocateIDs draws an id from the chunk sequence for every chunk of files.
func allocateIDs(ctx context.Context, conn *pgxpool.Conn, schema string, files []index.FileChunks) ([]int64, error) {
	n := 0
	for _, f := range files {
		n += len(f.Chunks)
	}
	if n == 0 {
		return nil, nil
	}
	rows, err := conn.Query(ctx, "SELECT nextval($1::regclass) FROM generate_series(1, $2)", ident(schema, "chunk_ids"), n)
	if err != nil {
		return nil, fmt.Errorf("allocate chunk ids: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("allocate chunk ids: %w", err)
	}
	return ids, nil
}

// insertFiles inserts file rows and returns their ids by path.
func insertFiles(ctx context.Context, tx pgx.Tx, table string, repoID int, files []index.FileChunks) (map[string]int64, error) {
	paths := make([]string, len(files))
	langs := make([]string, len(files))
	sizes := make([]int64, len(files))
	hashes := make([]string, len(files))
	for i, f := range files {
		paths[i], langs[i], sizes[i], hashes[i] = f.File.Path, string(f.File.Language), f.File.Size, f.File.Hash
	}
	rows, err := tx.Query(ctx, "INSERT INTO "+table+` (repository_id, path, language, size, content_hash)
		SELECT $1, * FROM unnest($2::text[], $3::text[], $4::bigint[], $5::text[]) RETURNING id, path`,
		repoID, paths, langs, sizes, hashes)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	ids := make(map[string]int64, len(files))
	for rows.Next() {
		var id int64
		var p string
		if err := rows.Scan(&id, &p); err != nil {
			return nil, err
		}
		ids[p] = id
	}
	return ids, rows.Err()
}

// encodeChunks turns files' chunks into COPY rows of chunkColumns and of
// termColumns, with ids, and file_id and repository_id left for the
// caller.
func encodeChunks(files []index.FileChunks, vtype string, ids []int64) (chunks, terms [][]any) {
	chunks = make([][]any, 0, len(ids))
	terms = make([][]any, 0, len(ids))
	lx := newLexer()
	i := 0
	for _, f := range files {
		ext := extension(f.File.Path)
		for k, c := range f.Chunks {
			var vec any
			if vtype == "halfvec" {
				vec = pgvector.NewHalfVector(f.Vectors[k])
			} else {
				vec = pgvector.NewVector(f.Vectors[k])
			}
			content := cleanText(c.Content)
			lang := string(c.Language)
			chunks = append(chunks, []any{nil, nil, ids[i], f.File.Path, lang, ext, cleanText(c.Symbol), string(c.Kind),
				c.StartLine, c.EndLine, content, c.Hash, vec})
			terms = append(terms, []any{nil, ids[i], f.File.Path, lang, ext, lx.vector(c.Symbol, content)})
			i++
		}
	}
	return chunks, terms
}

// extension is a path's extension, lowercased, without the dot: the
// file_type of search filters.
func extension(p string) string {
	return strings.ToLower(strings.TrimPrefix(path.Ext(p), "."))
}

// cleanText replaces NUL bytes, which Postgres text cannot hold (the walk
// only looks for them in a file's first 8 KiB).
func cleanText(s string) string {
	if strings.IndexByte(s, 0) < 0 {
		return s
	}
	return strings.ReplaceAll(s, "\x00", "\uFFFD")
}

// Commit applies the job's writes and deletions, then brings the indexes
// and statistics up to date.
func (l *load) Commit(ctx context.Context, deleted []string) ([]string, error) {
	if l.done {
		return nil, errors.New("commit twice")
	}
	switch {
	case l.rebuild:
		if err := l.finish(ctx); err != nil {
			return nil, err
		}
		if err := l.swap(ctx); err != nil {
			return nil, err
		}
	case l.staging:
		if err := l.applyStaged(ctx, deleted); err != nil {
			return nil, err
		}
		if err := l.finish(ctx); err != nil {
			return nil, err
		}
	default:
		if err := l.updateRepository(ctx, l.conn); err != nil {
			return nil, err
		}
		if err := l.finish(ctx); err != nil {
			return nil, err
		}
	}
	l.done = true
	l.s.forget(l.t.Project)
	l.s.forgetStats(l.schema)
	return l.warnings, nil
}

// applyStaged replaces the changed files and removes the deleted ones in
// one transaction.
func (l *load) applyStaged(ctx context.Context, deleted []string) error {
	files, chunks := ident(l.schema, "files"), ident(l.schema, "chunks")
	remove := append(append([]string(nil), deleted...), l.staged...)
	return pgx.BeginFunc(ctx, l.conn, func(tx pgx.Tx) error {
		if len(remove) > 0 {
			if _, err := tx.Exec(ctx, "DELETE FROM "+ident(l.schema, "terms")+" WHERE id IN (SELECT c.id FROM "+chunks+" c JOIN "+files+
				" f ON f.id = c.file_id WHERE f.repository_id = $1 AND f.path = ANY($2))", l.repoID, remove); err != nil {
				return fmt.Errorf("delete terms: %w", err)
			}
			if _, err := tx.Exec(ctx, "DELETE FROM "+chunks+" WHERE file_id IN (SELECT id FROM "+files+
				" WHERE repository_id = $1 AND path = ANY($2))", l.repoID, remove); err != nil {
				return fmt.Errorf("delete chunks: %w", err)
			}
			if _, err := tx.Exec(ctx, "DELETE FROM "+files+" WHERE repository_id = $1 AND path = ANY($2)", l.repoID, remove); err != nil {
				return fmt.Errorf("delete files: %w", err)
			}
		}
		if len(l.staged) > 0 {
			if _, err := tx.Exec(ctx, "INSERT INTO "+files+" (repository_id, path, language, size, content_hash) "+
				"SELECT $1, path, language, size, content_hash FROM pg_temp.stage_files", l.repoID); err != nil {
				return fmt.Errorf("insert files: %w", err)
			}
			if _, err := tx.Exec(ctx, "INSERT INTO "+chunks+" (file_id, repository_id, "+strings.Join(stageChunkColumns, ", ")+") "+
				"SELECT f.id, $1, s."+strings.Join(stageChunkColumns, ", s.")+" FROM pg_temp.stage_chunks s JOIN "+files+
				" f ON f.repository_id = $1 AND f.path = s.path", l.repoID); err != nil {
				return fmt.Errorf("insert chunks: %w", err)
			}
			if _, err := tx.Exec(ctx, "INSERT INTO "+ident(l.schema, "terms")+" (repository_id, "+strings.Join(stageTermColumns, ", ")+") "+
				"SELECT $1, "+strings.Join(stageTermColumns, ", ")+" FROM pg_temp.stage_terms", l.repoID); err != nil {
				return fmt.Errorf("insert terms: %w", err)
			}
		}
		return l.updateRepository(ctx, tx)
	})
}

type execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// updateRepository recounts the repository's files and chunks.
func (l *load) updateRepository(ctx context.Context, db execer) error {
	_, err := db.Exec(ctx, "UPDATE "+ident(l.schema, "repositories")+` SET indexed_at = now(),
		files = (SELECT count(*) FROM `+ident(l.schema, "files")+` WHERE repository_id = $1),
		chunks = (SELECT count(*) FROM `+ident(l.schema, "chunks")+` WHERE repository_id = $1)
		WHERE id = $1`, l.repoID)
	if err != nil {
		return fmt.Errorf("count repository: %w", err)
	}
	return nil
}

// finish builds the missing indexes, (re)builds the vector index when the
// project has grown or shrunk enough, and refreshes the statistics the
// planner and lexical search use.
func (l *load) finish(ctx context.Context) error {
	if l.rebuild {
		if err := l.updateRepository(ctx, l.conn); err != nil {
			return err
		}
	}
	var rows int64
	if err := l.conn.QueryRow(ctx, "SELECT coalesce(sum(chunks), 0) FROM "+ident(l.schema, "repositories")).Scan(&rows); err != nil {
		return fmt.Errorf("count chunks: %w", err)
	}
	// The vector index as it stands in the schema written.
	curLists, curRows := 0, int64(0)
	if l.live != nil && !l.rebuild && !l.bulk {
		curLists, curRows = l.live.IVFLists, l.live.IVFRows
	}
	l.ivfLists, l.ivfRows = curLists, curRows
	var builds []string
	replace := false
	switch {
	case rows < int64(l.s.cfg.VectorIndexMinRows):
		if curLists > 0 {
			if _, err := l.conn.Exec(ctx, "DROP INDEX IF EXISTS "+ident(l.schema, vectorIndexName)); err != nil {
				return fmt.Errorf("drop vector index: %w", err)
			}
		}
		l.ivfLists, l.ivfRows = 0, 0
	case l.vtype != "halfvec" && l.t.Dimension > 2000:
		// pgvector indexes vector up to 2000 dimensions: scan exactly.
	case curLists == 0 || rows > 2*curRows || 2*rows < curRows:
		l.ivfLists, l.ivfRows = max(1, int(rows)/l.s.cfg.RowsPerList), rows
		replace = curLists > 0
		builds = append(builds, ivfBuild(l.schema, l.vtype, l.ivfLists, replace))
	}
	if l.bulk {
		for _, name := range []string{"terms_lex", "chunks_hash", "chunks_repo_path", "chunks_file"} {
			builds = append(builds, chunkIndexes(l.schema)[name])
		}
	}
	start := time.Now()
	if err := l.s.runBuilds(ctx, l.conn, builds); err != nil {
		return err
	}
	if len(builds) > 0 {
		l.s.cfg.Logger.Info("built indexes", "project", l.t.Project, "schema", l.schema, "chunks", rows,
			"ivf_lists", l.ivfLists, "statements", len(builds), "ms", time.Since(start).Milliseconds())
	}
	if replace {
		if err := swapIVF(ctx, l.conn, l.schema); err != nil {
			return err
		}
	}
	if !l.rebuild && (l.ivfLists != curLists || l.ivfRows != curRows || l.bulk) {
		if err := l.setIVF(ctx, l.conn, l.ivfLists, l.ivfRows); err != nil {
			return err
		}
	}
	// Statistics: after a bulk load always, otherwise when the job wrote a
	// tenth of the rows or more (autovacuum takes care of the rest).
	if l.bulk || l.rebuild || int64(l.written)*10 >= rows {
		if _, err := l.conn.Exec(ctx, "ANALYZE "+ident(l.schema, "chunks")+", "+ident(l.schema, "terms")+", "+ident(l.schema, "files")); err != nil {
			return fmt.Errorf("analyze: %w", err)
		}
	}
	return nil
}

// vectorIndexName is the IVFFlat index of chunks.
const vectorIndexName = "chunks_embedding_ivf"

// ivfBuild is the statement that builds the vector index; replace builds
// it under another name, for swapIVF to put in place of the old one.
func ivfBuild(schema, vtype string, lists int, replace bool) string {
	name := vectorIndexName
	if replace {
		name += "_new"
	}
	return fmt.Sprintf("CREATE INDEX %s ON %s USING ivfflat (embedding %s_cosine_ops) WITH (lists = %d)",
		pgx.Identifier{name}.Sanitize(), ident(schema, "chunks"), vtype, lists)
}

// swapIVF puts the rebuilt vector index in place of the old one.
func swapIVF(ctx context.Context, conn *pgxpool.Conn, schema string) error {
	return pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "DROP INDEX IF EXISTS "+ident(schema, vectorIndexName)); err != nil {
			return fmt.Errorf("drop old vector index: %w", err)
		}
		if _, err := tx.Exec(ctx, "ALTER INDEX "+ident(schema, vectorIndexName+"_new")+" RENAME TO "+pgx.Identifier{vectorIndexName}.Sanitize()); err != nil {
			return fmt.Errorf("rename vector index: %w", err)
		}
		return nil
	})
}

// setIVF records the vector index of the project.
func (l *load) setIVF(ctx context.Context, db execer, lists int, rows int64) error {
	if _, err := db.Exec(ctx, "UPDATE codebase.projects SET ivf_lists = $2, ivf_rows = $3, updated_at = now() WHERE name = $1",
		l.t.Project, lists, rows); err != nil {
		return fmt.Errorf("record vector index: %w", err)
	}
	return nil
}

// swap makes the rebuilt schema the project's and drops the old one, in
// one transaction: a search uses one or the other.
func (l *load) swap(ctx context.Context) error {
	return pgx.BeginFunc(ctx, l.conn, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE codebase.projects SET schema_name = $2, model = $3, dimension = $4, vector_type = $5,
				ivf_lists = $6, ivf_rows = $7, updated_at = now() WHERE name = $1`,
			l.t.Project, l.schema, l.t.Model, l.t.Dimension, l.vtype, l.ivfLists, l.ivfRows)
		if err != nil {
			return fmt.Errorf("swap in rebuilt project: %w", err)
		}
		if _, err := tx.Exec(ctx, "DROP SCHEMA "+pgx.Identifier{l.live.Schema}.Sanitize()+" CASCADE"); err != nil {
			return fmt.Errorf("drop the old schema: %w", err)
		}
		return nil
	})
}

// Close ends the load. Before Commit it undoes what the load wrote, so
// the index is as it was before the job.
func (l *load) Close(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	var err error
	if !l.done {
		err = l.discard(ctx)
	}
	l.release(ctx)
	return err
}

// discard undoes an uncommitted load.
func (l *load) discard(ctx context.Context) error {
	l.done = true
	var err error
	switch {
	case l.created:
		err = pgx.BeginFunc(ctx, l.conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, "DELETE FROM codebase.projects WHERE name = $1 AND schema_name = $2", l.t.Project, l.schema); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{l.schema}.Sanitize()+" CASCADE")
			return err
		})
		l.s.forget(l.t.Project)
	case l.rebuild:
		_, err = l.conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{l.schema}.Sanitize()+" CASCADE")
	case l.direct:
		// A first index of the repository: remove what was written.
		err = pgx.BeginFunc(ctx, l.conn, func(tx pgx.Tx) error {
			for _, q := range []string{
				"DELETE FROM " + ident(l.schema, "terms") + " WHERE repository_id = $1",
				"DELETE FROM " + ident(l.schema, "chunks") + " WHERE repository_id = $1",
				"DELETE FROM " + ident(l.schema, "files") + " WHERE repository_id = $1",
				"DELETE FROM " + ident(l.schema, "repositories") + " WHERE id = $1",
			} {
				if _, err := tx.Exec(ctx, q, l.repoID); err != nil {
					return err
				}
			}
			return nil
		})
		if err == nil && l.bulk {
			// The indexes dropped for the load come back, over what the
			// other repositories hold.
			l.bulk, l.live = true, nil
			err = l.finish(ctx)
		}
	}
	if err != nil {
		return fmt.Errorf("undo the job's writes: %w", err)
	}
	return nil
}

// release drops the staging tables, unlocks the project and returns the
// connection; a connection that cannot be cleaned is closed, which also
// releases the lock.
func (l *load) release(ctx context.Context) {
	if l.conn == nil {
		return
	}
	clean := true
	if l.staging {
		if _, err := l.conn.Exec(ctx, "DROP TABLE IF EXISTS pg_temp.stage_files, pg_temp.stage_chunks, pg_temp.stage_terms"); err != nil {
			clean = false
		}
	}
	if l.locked {
		var ok bool
		if err := l.conn.QueryRow(ctx, unlockKey, l.t.Project).Scan(&ok); err != nil || !ok {
			clean = false
		}
	}
	if clean {
		l.conn.Release()
	} else {
		c := l.conn.Hijack()
		_ = c.Close(ctx)
	}
	l.conn = nil
}
