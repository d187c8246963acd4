package pgstore_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/perfgate/perfgate/servers/codebase/fixture"
	"github.com/perfgate/perfgate/servers/codebase/index"
	pgstore "github.com/perfgate/perfgate/servers/codebase/postgres"
)

// ivf reads the project's recorded IVFFlat lists and whether the index
// exists.
func ivf(t *testing.T, st *pgstore.Store, e *index.Engine, project string) (lists int, exists bool) {
	t.Helper()
	ctx := context.Background()
	db := st.DB()
	err := db.Do(ctx, func(c *pgxpool.Conn) error {
		var schema string
		if err := c.QueryRow(ctx, "SELECT schema_name, ivf_lists FROM codebase.projects WHERE name = $1", project).Scan(&schema, &lists); err != nil {
			return err
		}
		return c.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_indexes WHERE schemaname = $1 AND indexname = 'chunks_embedding_ivf')", schema).Scan(&exists)
	})
	if err != nil {
		t.Fatal(err)
	}
	return lists, exists
}

// The vector index is built over the minimum, searched with filters
// (iterative scans), rebuilt when the project doubles, and dropped when
// it falls under the minimum.
func TestVectorIndexLifecycle(t *testing.T) {
	t.Parallel()
	st, e := newEngine(t, pgstore.Config{VectorIndexMinRows: 200, RowsPerList: 50}, index.Config{})
	repo := t.TempDir()
	if err := fixture.Generate(filepath.Join(repo, "a"), 20, 7); err != nil {
		t.Fatal(err)
	}
	j := indexDir(t, e, index.Request{Root: repo, Project: "ivf"}, index.JobSucceeded)
	lists, exists := ivf(t, st, e, "ivf")
	if j.Counts.ChunksWritten < 200 || lists != j.Counts.ChunksWritten/50 || !exists {
		t.Fatalf("%d chunks: lists %d, index %v", j.Counts.ChunksWritten, lists, exists)
	}
	ctx := context.Background()
	for _, q := range []index.Query{
		{Project: "ivf", Text: "validate the pending invoice", Limit: 5},
		{Project: "ivf", Text: "validate the pending invoice", Language: "python", Limit: 5},
		{Project: "ivf", Text: "validate the pending invoice", Mode: index.ModeVector, FileType: "py", Limit: 5},
		{Project: "ivf", Text: "invoice", Directory: "a", Mode: index.ModeLexical, Limit: 5},
	} {
		hits, err := e.Search(ctx, q)
		if err != nil {
			t.Fatalf("%+v: %v", q, err)
		}
		if len(hits) == 0 {
			t.Errorf("%+v: no hits", q)
		}
		for _, h := range hits {
			if q.Language != "" && h.Language != q.Language || q.FileType == "py" && filepath.Ext(h.Path) != ".py" {
				t.Errorf("%+v: hit %s %s breaks the filter", q, h.Path, h.Language)
			}
		}
	}

	// Doubling the project rebuilds the index with more lists.
	if err := fixture.Generate(filepath.Join(repo, "b"), 60, 8); err != nil {
		t.Fatal(err)
	}
	j = indexDir(t, e, index.Request{Root: repo, Project: "ivf"}, index.JobSucceeded)
	rows := 0
	p, err := e.Projects(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rows = p[0].Chunks
	if lists2, exists := ivf(t, st, e, "ivf"); lists2 != rows/50 || lists2 <= lists || !exists {
		t.Errorf("after growing to %d chunks: lists %d (was %d), index %v", rows, lists2, lists, exists)
	}

	// Falling under the minimum drops it.
	for _, d := range []string{"a", "b"} {
		if err := os.RemoveAll(filepath.Join(repo, d)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(repo, "one.py"), []byte("def only():\n    return 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	indexDir(t, e, index.Request{Root: repo, Project: "ivf"}, index.JobSucceeded)
	if lists, exists := ivf(t, st, e, "ivf"); lists != 0 || exists {
		t.Errorf("after shrinking: lists %d, index %v", lists, exists)
	}
	if hits, err := e.Search(ctx, index.Query{Project: "ivf", Text: "only"}); err != nil || len(hits) != 1 {
		t.Errorf("search after shrinking: %v %v", hits, err)
	}
}
