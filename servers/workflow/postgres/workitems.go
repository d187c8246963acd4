package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/perfgate/perfgate/servers/workflow"
)

// Page sizes of QueryWorkItems, and how many children GetWorkItem returns.
const (
	DefaultWorkItemLimit = 50
	MaxWorkItemLimit     = 500
	MaxChildren          = 200
)

// workItemCols are the columns scanWorkItem reads, from work_items w.
const workItemCols = `w.id, w.type, w.title, w.status, w.parent_id, w.depth, w.metadata, w.owner, w.lease_until, w.version, w.created_at, w.updated_at`

func scanWorkItem(row pgx.Row) (workflow.WorkItem, error) {
	var w workflow.WorkItem
	var parent *int64
	var owner *string
	err := row.Scan(&w.ID, &w.Type, &w.Title, &w.Status, &parent, &w.Depth, &w.Metadata, &owner, &w.LeaseUntil,
		&w.Version, &w.CreatedAt, &w.UpdatedAt)
	if parent != nil {
		w.ParentID = *parent
	}
	if owner != nil {
		w.Owner = *owner
	}
	if w.Metadata == nil {
		w.Metadata = map[string]any{}
	}
	return w, err
}

func collectWorkItems(rows pgx.Rows) ([]workflow.WorkItem, error) {
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (workflow.WorkItem, error) { return scanWorkItem(r) })
}

// nullable returns nil for a zero id, so SQL sees NULL.
func nullable(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

// jsonOrEmpty keeps a nil map from becoming SQL NULL.
func jsonOrEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// CreateWorkItem inserts the item one level below its parent. The depth
// limit is the table's CHECK constraint: a child of a level-5 item fails
// it.
func (s *Store) CreateWorkItem(ctx context.Context, project int64, in workflow.NewWorkItem) (workflow.WorkItem, error) {
	const q = `
INSERT INTO work_items AS w (project_id, parent_id, depth, type, title, metadata)
SELECT $1, p.id, COALESCE(p.depth, 0) + 1, $3, $4, $5::jsonb
FROM (SELECT 1) one LEFT JOIN work_items p ON p.id = $2 AND p.project_id = $1
WHERE $2::bigint IS NULL OR p.id IS NOT NULL
RETURNING ` + workItemCols
	var w workflow.WorkItem
	err := s.do(ctx, func(c *pgxpool.Conn) error {
		var err error
		w, err = scanWorkItem(c.QueryRow(ctx, q, project, nullable(in.ParentID), in.Type, in.Title, jsonOrEmpty(in.Metadata)))
		if errors.Is(err, pgx.ErrNoRows) {
			return &workflow.NotFoundError{What: "parent work item", ID: in.ParentID}
		}
		if code, constraint := pgCode(err); code == codeCheck && constraint == "work_items_depth_limit" {
			return &workflow.DepthError{Parent: in.ParentID, ParentDepth: workflow.MaxDepth}
		}
		return err
	})
	return w, err
}

// UpdateWorkItem is one conditional UPDATE of the given fields. Finishing
// an item (completed, cancelled) also ends its claim.
func (s *Store) UpdateWorkItem(ctx context.Context, project int64, u workflow.WorkItemUpdate) (workflow.WorkItem, error) {
	const q = `
UPDATE work_items AS w SET
	title = COALESCE($4, title),
	status = COALESCE($5, status),
	metadata = COALESCE($6::jsonb, metadata),
	owner = CASE WHEN COALESCE($5, status) IN ('completed', 'cancelled') THEN NULL ELSE owner END,
	lease_until = CASE WHEN COALESCE($5, status) IN ('completed', 'cancelled') THEN NULL ELSE lease_until END,
	version = version + 1,
	updated_at = now()
WHERE id = $2 AND project_id = $1 AND version = $3
RETURNING ` + workItemCols
	var w workflow.WorkItem
	err := s.do(ctx, func(c *pgxpool.Conn) error {
		var status *string
		if u.Status != nil {
			st := string(*u.Status)
			status = &st
		}
		var meta any
		if u.Metadata != nil {
			meta = u.Metadata
		}
		var err error
		w, err = scanWorkItem(c.QueryRow(ctx, q, project, u.ID, u.ExpectedVersion, u.Title, status, meta))
		if errors.Is(err, pgx.ErrNoRows) {
			return workItemConflict(ctx, c, project, u.ID, u.ExpectedVersion)
		}
		return err
	})
	return w, err
}

func readWorkItem(ctx context.Context, q querier, project, id int64) (workflow.WorkItem, error) {
	w, err := scanWorkItem(q.QueryRow(ctx, `SELECT `+workItemCols+` FROM work_items w WHERE w.id = $1 AND w.project_id = $2`, id, project))
	if errors.Is(err, pgx.ErrNoRows) {
		return w, &workflow.NotFoundError{What: "work item", ID: id}
	}
	if err != nil {
		return w, fmt.Errorf("read work item %d: %w", id, err)
	}
	return w, nil
}

// workItemConflict reads the item to say why a conditional write matched
// no row.
func workItemConflict(ctx context.Context, q querier, project, id int64, expected int) error {
	w, err := readWorkItem(ctx, q, project, id)
	if err != nil {
		return err
	}
	return &workflow.ConflictError{What: "work item", ID: id, Expected: expected, Current: w.Version, Record: w}
}

// GetWorkItem reads the item, its ancestors, children and dependencies in
// one round trip.
func (s *Store) GetWorkItem(ctx context.Context, project, id int64) (workflow.WorkItemDetail, error) {
	var d workflow.WorkItemDetail
	err := s.do(ctx, func(c *pgxpool.Conn) error {
		b := &pgx.Batch{}
		b.Queue(`SELECT `+workItemCols+` FROM work_items w WHERE w.id = $1 AND w.project_id = $2`, id, project)
		b.Queue(`
WITH RECURSIVE up AS (
	SELECT parent_id AS id, 1 AS n FROM work_items WHERE id = $1 AND project_id = $2
	UNION ALL
	SELECT p.parent_id, up.n + 1 FROM up JOIN work_items p ON p.id = up.id
)
SELECT `+workItemCols+` FROM up JOIN work_items w ON w.id = up.id ORDER BY up.n DESC`, id, project)
		b.Queue(`SELECT `+workItemCols+` FROM work_items w WHERE w.parent_id = $1 AND w.project_id = $2 ORDER BY w.id LIMIT $3`,
			id, project, MaxChildren)
		b.Queue(`
SELECT d.from_id, d.to_id, d.kind, f.title, f.status, t.title, t.status
FROM dependencies d JOIN work_items f ON f.id = d.from_id JOIN work_items t ON t.id = d.to_id
WHERE d.project_id = $2 AND (d.from_id = $1 OR d.to_id = $1)
ORDER BY d.created_at, d.from_id, d.to_id`, id, project)
		br := c.SendBatch(ctx, b)
		defer br.Close()

		item, err := scanWorkItem(br.QueryRow())
		if errors.Is(err, pgx.ErrNoRows) {
			return &workflow.NotFoundError{What: "work item", ID: id}
		}
		if err != nil {
			return err
		}
		d.Item = item
		if d.Ancestors, err = queryBatch(br, collectWorkItems); err != nil {
			return err
		}
		if d.Children, err = queryBatch(br, collectWorkItems); err != nil {
			return err
		}
		deps, err := queryBatch(br, func(rows pgx.Rows) ([]workflow.Dependency, error) {
			return pgx.CollectRows(rows, func(r pgx.CollectableRow) (workflow.Dependency, error) {
				var dep workflow.Dependency
				err := r.Scan(&dep.From, &dep.To, &dep.Kind, &dep.FromTitle, &dep.FromStatus, &dep.ToTitle, &dep.ToStatus)
				return dep, err
			})
		})
		if err != nil {
			return err
		}
		d.BlockedBy, d.Blocks, d.Related = []workflow.Dependency{}, []workflow.Dependency{}, []workflow.Dependency{}
		for _, dep := range deps {
			switch {
			case dep.Kind == workflow.KindRelates:
				d.Related = append(d.Related, dep)
			case dep.To == id:
				d.BlockedBy = append(d.BlockedBy, dep)
			default:
				d.Blocks = append(d.Blocks, dep)
			}
		}
		return nil
	})
	return d, err
}

func queryBatch[T any](br pgx.BatchResults, collect func(pgx.Rows) ([]T, error)) ([]T, error) {
	rows, err := br.Query()
	if err != nil {
		return nil, err
	}
	out, err := collect(rows)
	if out == nil {
		out = []T{}
	}
	return out, err
}

// readyCTE computes the blocked set: items an unfinished item blocks, and
// their descendants. An unfinished item outside it is ready.
const readyCTE = `
WITH RECURSIVE blocked (id) AS (
	SELECT d.to_id FROM dependencies d JOIN work_items b ON b.id = d.from_id
	WHERE d.project_id = $1 AND d.kind = 'blocks' AND b.status NOT IN ('completed', 'cancelled')
	UNION
	SELECT c.id FROM blocked JOIN work_items c ON c.parent_id = blocked.id
)
`

// QueryWorkItems returns a keyset page of work items by id.
func (s *Store) QueryWorkItems(ctx context.Context, project int64, in workflow.WorkItemQuery) (workflow.Page[workflow.WorkItem], error) {
	n := limit(in.Limit, DefaultWorkItemLimit, MaxWorkItemLimit)
	args := []any{project, in.After, n + 1}
	where := []string{"w.project_id = $1", "w.id > $2"}
	if in.Status != "" {
		args = append(args, string(in.Status))
		where = append(where, fmt.Sprintf("w.status = $%d", len(args)))
	}
	if in.Type != "" {
		args = append(args, string(in.Type))
		where = append(where, fmt.Sprintf("w.type = $%d", len(args)))
	}
	if in.Parent != nil {
		if *in.Parent == 0 {
			where = append(where, "w.parent_id IS NULL")
		} else {
			args = append(args, *in.Parent)
			where = append(where, fmt.Sprintf("w.parent_id = $%d", len(args)))
		}
	}
	prefix := ""
	if in.Ready != nil {
		prefix = readyCTE
		where = append(where, "w.status NOT IN ('completed', 'cancelled')")
		if *in.Ready {
			where = append(where, "w.id NOT IN (SELECT id FROM blocked)")
		} else {
			where = append(where, "w.id IN (SELECT id FROM blocked)")
		}
	}
	q := prefix + `SELECT ` + workItemCols + ` FROM work_items w WHERE ` + strings.Join(where, " AND ") + ` ORDER BY w.id LIMIT $3`
	var items []workflow.WorkItem
	err := s.do(ctx, func(c *pgxpool.Conn) error {
		rows, err := c.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		items, err = collectWorkItems(rows)
		return err
	})
	return page(items, n, func(w workflow.WorkItem) int64 { return w.ID }), err
}

// ClaimWorkItem is one conditional UPDATE: it succeeds when nobody holds
// the item, the holder's lease has expired, or owner holds it already (a
// renewal).
func (s *Store) ClaimWorkItem(ctx context.Context, project, id int64, owner string, lease time.Duration) (workflow.WorkItem, error) {
	const q = `
UPDATE work_items AS w SET owner = $3, lease_until = now() + make_interval(secs => $4)
WHERE id = $2 AND project_id = $1 AND status NOT IN ('completed', 'cancelled')
  AND (owner IS NULL OR lease_until < now() OR owner = $3)
RETURNING ` + workItemCols
	var w workflow.WorkItem
	err := s.do(ctx, func(c *pgxpool.Conn) error {
		var err error
		w, err = scanWorkItem(c.QueryRow(ctx, q, project, id, owner, lease.Seconds()))
		if errors.Is(err, pgx.ErrNoRows) {
			return claimMiss(ctx, c, project, id)
		}
		return err
	})
	return w, err
}

// claimMiss reads the item to say why a claim matched no row.
func claimMiss(ctx context.Context, q querier, project, id int64) error {
	w, err := readWorkItem(ctx, q, project, id)
	if err != nil {
		return err
	}
	if w.Status == workflow.StatusCompleted || w.Status == workflow.StatusCancelled {
		return &workflow.InputError{Field: "id", Reason: fmt.Sprintf("work item %d is %s: there is nothing left to claim", id, w.Status)}
	}
	until := time.Time{}
	if w.LeaseUntil != nil {
		until = *w.LeaseUntil
	}
	return &workflow.ClaimedError{ID: id, Owner: w.Owner, Until: until}
}

// ReleaseWorkItem is one conditional UPDATE that ends owner's claim.
func (s *Store) ReleaseWorkItem(ctx context.Context, project, id int64, owner string) (workflow.WorkItem, error) {
	const q = `
UPDATE work_items AS w SET owner = NULL, lease_until = NULL
WHERE id = $2 AND project_id = $1 AND owner = $3
RETURNING ` + workItemCols
	var w workflow.WorkItem
	err := s.do(ctx, func(c *pgxpool.Conn) error {
		var err error
		w, err = scanWorkItem(c.QueryRow(ctx, q, project, id, owner))
		if errors.Is(err, pgx.ErrNoRows) {
			cur, err := readWorkItem(ctx, c, project, id)
			if err != nil {
				return err
			}
			until := time.Time{}
			if cur.LeaseUntil != nil {
				until = *cur.LeaseUntil
			}
			return &workflow.ClaimedError{ID: id, Owner: cur.Owner, Until: until}
		}
		return err
	})
	return w, err
}
