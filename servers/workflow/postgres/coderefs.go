package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/perfgate/perfgate/servers/workflow"
)

// Page sizes of ListCodeRefs.
const (
	DefaultCodeRefLimit = 50
	MaxCodeRefLimit     = 200
)

const codeRefCols = `r.id, r.work_item_id, r.code_project, r.repository, r.path, r.symbol, r.start_line, r.end_line, r.content_hash, r.created_at`

func scanCodeRef(row pgx.Row) (workflow.CodeRef, error) {
	var r workflow.CodeRef
	err := row.Scan(&r.ID, &r.WorkItemID, &r.CodeProject, &r.Repository, &r.Path, &r.Symbol, &r.StartLine, &r.EndLine, &r.ContentHash, &r.CreatedAt)
	return r, err
}

func collectCodeRefs(rows pgx.Rows) ([]workflow.CodeRef, error) {
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (workflow.CodeRef, error) { return scanCodeRef(r) })
}

// LinkCode inserts the reference when the work item is in the project.
func (s *Store) LinkCode(ctx context.Context, project int64, in workflow.CodeRef) (workflow.CodeRef, error) {
	if in.StartLine < 1 || in.EndLine < in.StartLine {
		return workflow.CodeRef{}, &workflow.InputError{Field: "start_line", Reason: "lines are 1-based and end_line may not precede start_line"}
	}
	const q = `
INSERT INTO code_references AS r (project_id, work_item_id, repository, path, symbol, start_line, end_line, content_hash, code_project)
SELECT $1, w.id, $3, $4, $5, $6, $7, $8, $9 FROM work_items w WHERE w.id = $2 AND w.project_id = $1
RETURNING ` + codeRefCols
	var r workflow.CodeRef
	err := s.do(ctx, func(c *pgxpool.Conn) error {
		var err error
		r, err = scanCodeRef(c.QueryRow(ctx, q, project, in.WorkItemID, in.Repository, in.Path, in.Symbol, in.StartLine, in.EndLine, in.ContentHash, in.CodeProject))
		if errors.Is(err, pgx.ErrNoRows) {
			return &workflow.NotFoundError{What: "work item", ID: in.WorkItemID}
		}
		return err
	})
	return r, err
}

// ListCodeRefs returns a keyset page of the project's references, or of
// one work item's.
func (s *Store) ListCodeRefs(ctx context.Context, project int64, in workflow.CodeRefQuery) (workflow.Page[workflow.CodeRef], error) {
	n := limit(in.Limit, DefaultCodeRefLimit, MaxCodeRefLimit)
	const q = `
SELECT ` + codeRefCols + ` FROM code_references r
WHERE r.project_id = $1 AND ($2::bigint = 0 OR r.work_item_id = $2) AND r.id > $3
ORDER BY r.id LIMIT $4`
	var items []workflow.CodeRef
	err := s.do(ctx, func(c *pgxpool.Conn) error {
		rows, err := c.Query(ctx, q, project, in.WorkItemID, in.After, n+1)
		if err != nil {
			return err
		}
		items, err = collectCodeRefs(rows)
		if err != nil {
			return err
		}
		if len(items) == 0 && in.WorkItemID != 0 {
			_, err = readWorkItem(ctx, c, project, in.WorkItemID)
		}
		return err
	})
	return page(items, n, func(r workflow.CodeRef) int64 { return r.ID }), err
}
