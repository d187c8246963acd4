package pgstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/sync/errgroup"
)

// newSchemaName returns a fresh schema name for a project: "cb_", the name
// lowercased with every other character than [a-z0-9] turned to '_', and a
// random suffix, so that names differing in case or punctuation, and
// successive rebuilds of one project, never share a schema. Postgres
// identifiers hold 63 bytes: the name part is cut to 40.
func newSchemaName(project string) string {
	var b strings.Builder
	b.WriteString("cb_")
	for i := 0; i < len(project) && i < 40; i++ {
		c := project[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
			b.WriteByte(c)
		case c >= 'A' && c <= 'Z':
			b.WriteByte(c + 'a' - 'A')
		default:
			b.WriteByte('_')
		}
	}
	var suffix [4]byte
	_, _ = rand.Read(suffix[:])
	b.WriteByte('_')
	b.WriteString(hex.EncodeToString(suffix[:]))
	return b.String()
}

// ident quotes a schema-qualified name.
func ident(schema, name string) string {
	return pgx.Identifier{schema, name}.Sanitize()
}

// vectorType is the column type of a project's vectors: halfvec (2 bytes a
// dimension, indexable up to 4000 dimensions) unless the dimension is
// beyond halfvec's limit.
func vectorType(dim int) string {
	if dim <= 4000 {
		return "halfvec"
	}
	return "vector"
}

// createTables creates a project's schema and tables, without the
// secondary indexes of chunks (see ensureIndexes).
func createTables(ctx context.Context, tx pgx.Tx, schema, vtype string, dim int, lz4 bool) error {
	s := pgx.Identifier{schema}.Sanitize()
	stmts := []string{
		"CREATE SCHEMA " + s,
		`CREATE TABLE ` + ident(schema, "repositories") + ` (
			id          integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
			name        text NOT NULL UNIQUE,
			root        text NOT NULL UNIQUE,
			files       integer NOT NULL DEFAULT 0,
			chunks      integer NOT NULL DEFAULT 0,
			indexed_at  timestamptz
		)`,
		`CREATE TABLE ` + ident(schema, "files") + ` (
			id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
			repository_id integer NOT NULL,
			path          text NOT NULL,
			language      text NOT NULL,
			size          bigint NOT NULL,
			content_hash  text NOT NULL,
			indexed_at    timestamptz NOT NULL DEFAULT now(),
			UNIQUE (repository_id, path)
		)`,
		// Chunks carry their file's repository, path, language and
		// extension, so that search filters need no join. No foreign key:
		// the store deletes a file's chunks with the file, and a COPY of
		// 100,000 rows should not fire as many triggers.
		// Chunk ids come from a sequence the writer draws from, so that a
		// chunk and its terms row are copied with the same id.
		"CREATE SEQUENCE " + ident(schema, "chunk_ids"),
		fmt.Sprintf(`CREATE TABLE %s (
			id            bigint PRIMARY KEY DEFAULT nextval('%s'),
			file_id       bigint NOT NULL,
			repository_id integer NOT NULL,
			path          text NOT NULL,
			language      text NOT NULL,
			ext           text NOT NULL,
			symbol        text NOT NULL,
			kind          text NOT NULL,
			start_line    integer NOT NULL,
			end_line      integer NOT NULL,
			content       text NOT NULL,
			content_hash  text NOT NULL,
			embedding     %s(%d) NOT NULL
		)`, ident(schema, "chunks"), strings.ReplaceAll(ident(schema, "chunk_ids"), "'", "''"), vtype, dim),
		// The lexical side of each chunk, narrow: a lexical search reads a
		// few thousand candidate rows, which cost four times less here
		// than as wide chunk rows (measured), and stay in shared buffers.
		// The filters are repeated so that candidates need no join.
		`CREATE TABLE ` + ident(schema, "terms") + ` (
			id            bigint PRIMARY KEY,
			repository_id integer NOT NULL,
			path          text NOT NULL,
			language      text NOT NULL,
			ext           text NOT NULL,
			lex           tsvector NOT NULL
		)`,
		// The planner needs statistics of the filters, the lexical search
		// those of the lexemes; not of the text or the vectors, which
		// ANALYZE would spend most of its time on.
		"ALTER TABLE " + ident(schema, "chunks") + " ALTER content SET STATISTICS 0, ALTER embedding SET STATISTICS 0, ALTER content_hash SET STATISTICS 0",
	}
	if lz4 {
		// lz4 compresses what does not fit in a row several times faster
		// than the default pglz, for a little more space.
		stmts = append(stmts, "ALTER TABLE "+ident(schema, "chunks")+" ALTER content SET COMPRESSION lz4",
			"ALTER TABLE "+ident(schema, "terms")+" ALTER lex SET COMPRESSION lz4")
	}
	for _, q := range stmts {
		if _, err := tx.Exec(ctx, q); err != nil {
			return fmt.Errorf("create project tables: %w", err)
		}
	}
	return nil
}

// chunkIndexes are the secondary indexes but the vector index: chunks by
// file (deletes), by content hash (reusing embeddings), by repository and
// path, and the GIN index of the terms (lexical search).
func chunkIndexes(schema string) map[string]string {
	t := ident(schema, "chunks")
	return map[string]string{
		"chunks_file":      "CREATE INDEX IF NOT EXISTS chunks_file ON " + t + " (file_id)",
		"chunks_hash":      "CREATE INDEX IF NOT EXISTS chunks_hash ON " + t + " (content_hash)",
		"terms_lex":        "CREATE INDEX IF NOT EXISTS terms_lex ON " + ident(schema, "terms") + " USING gin (lex)",
		"chunks_repo_path": "CREATE INDEX IF NOT EXISTS chunks_repo_path ON " + t + " (repository_id, path)",
	}
}

// dropChunkIndexes drops the secondary indexes of chunks, vector index
// included, before a bulk load: building them afterwards is several times
// cheaper than maintaining them row by row.
func dropChunkIndexes(ctx context.Context, conn *pgxpool.Conn, schema string) error {
	for name := range chunkIndexes(schema) {
		if _, err := conn.Exec(ctx, "DROP INDEX IF EXISTS "+ident(schema, name)); err != nil {
			return fmt.Errorf("drop index %s: %w", name, err)
		}
	}
	if _, err := conn.Exec(ctx, "DROP INDEX IF EXISTS "+ident(schema, vectorIndexName)); err != nil {
		return fmt.Errorf("drop vector index: %w", err)
	}
	return nil
}

// buildSettings are the session settings of an index build: more memory
// than the default 64 MB (an IVFFlat build sorts every vector; a GIN build
// spills less) and one parallel worker besides the leader.
func buildSettings(maintenanceWorkMem string) []string {
	return []string{
		"SET maintenance_work_mem = '" + maintenanceWorkMem + "'",
		"SET max_parallel_maintenance_workers = 1",
	}
}

// runBuilds runs index statements on up to two connections at once: the
// job's own and one more from the pool, since a build is CPU-bound and
// the machine has cores to spare once the job's pipeline is done.
func (s *Store) runBuilds(ctx context.Context, conn *pgxpool.Conn, stmts []string) error {
	if len(stmts) == 0 {
		return nil
	}
	settings := buildSettings(s.cfg.MaintenanceWorkMem)
	reset := []string{"RESET maintenance_work_mem", "RESET max_parallel_maintenance_workers"}
	run := func(c *pgxpool.Conn, qs []string) error {
		for _, q := range settings {
			if _, err := c.Exec(ctx, q); err != nil {
				return fmt.Errorf("%s: %w", q, err)
			}
		}
		defer func() {
			for _, q := range reset {
				_, _ = c.Exec(context.WithoutCancel(ctx), q)
			}
		}()
		for _, q := range qs {
			if _, err := c.Exec(ctx, q); err != nil {
				return fmt.Errorf("build index: %w", err)
			}
		}
		return nil
	}
	if len(stmts) == 1 || s.cfg.BuildConnections < 2 {
		return run(conn, stmts)
	}
	other, err := s.db.Acquire(ctx)
	if err != nil {
		// No second connection: build one after the other.
		return run(conn, stmts)
	}
	defer other.Release()
	// Split the work: the first (most expensive) statement alone on one
	// connection, the rest on the other.
	var g errgroup.Group
	g.Go(func() error { return run(conn, stmts[:1]) })
	g.Go(func() error { return run(other, stmts[1:]) })
	return g.Wait()
}

// hasLZ4 reports whether the server was built with lz4.
func hasLZ4(ctx context.Context, conn *pgxpool.Conn) bool {
	var ok bool
	err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY(enumvals))").Scan(&ok)
	return err == nil && ok
}
