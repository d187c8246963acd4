package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/perfgate/perfgate/servers/workflow"
)

// Page sizes of ListDeployments.
const (
	DefaultDeploymentLimit = 20
	MaxDeploymentLimit     = 200
)

const deploymentCols = `d.id, d.environment, d.git_commit, d.status, d.notes, d.work_items, d.entities, d.deployed_at`

func scanDeployment(row pgx.Row) (workflow.Deployment, error) {
	var d workflow.Deployment
	err := row.Scan(&d.ID, &d.Environment, &d.Commit, &d.Status, &d.Notes, &d.WorkItems, &d.Entities, &d.DeployedAt)
	return d, err
}

// RecordDeployment inserts the deployment when every work item and entity
// it names belongs to the project, in one statement.
func (s *Store) RecordDeployment(ctx context.Context, project int64, in workflow.NewDeployment) (workflow.Deployment, error) {
	const q = `
INSERT INTO deployments AS d (project_id, environment, git_commit, status, notes, work_items, entities)
SELECT $1, $2, $3, $4, $5, $6::bigint[], $7::bigint[]
WHERE (SELECT count(*) FROM work_items WHERE project_id = $1 AND id = ANY ($6::bigint[])) = cardinality($6::bigint[])
  AND (SELECT count(*) FROM entities WHERE project_id = $1 AND id = ANY ($7::bigint[])) = cardinality($7::bigint[])
RETURNING ` + deploymentCols
	items, entities := uniqueSorted(in.WorkItems), uniqueSorted(in.Entities)
	var d workflow.Deployment
	err := s.do(ctx, func(c *pgxpool.Conn) error {
		var err error
		d, err = scanDeployment(c.QueryRow(ctx, q, project, in.Environment, in.Commit, in.Status, in.Notes, items, entities))
		if errors.Is(err, pgx.ErrNoRows) {
			return firstMissing(ctx, c, project, items, entities)
		}
		return err
	})
	return d, err
}

// firstMissing names the first work item or entity that is not in the
// project.
func firstMissing(ctx context.Context, c *pgxpool.Conn, project int64, items, entities []int64) error {
	for _, t := range []struct {
		what, table string
		ids         []int64
	}{{"work item", "work_items", items}, {"entity", "entities", entities}} {
		var missing *int64
		err := c.QueryRow(ctx, `SELECT min(x) FROM unnest($2::bigint[]) x WHERE NOT EXISTS (SELECT 1 FROM `+t.table+` WHERE project_id = $1 AND id = x)`,
			project, t.ids).Scan(&missing)
		if err != nil {
			return fmt.Errorf("look for missing %s ids: %w", t.what, err)
		}
		if missing != nil {
			return &workflow.NotFoundError{What: t.what, ID: *missing}
		}
	}
	return errors.New("a work item or entity of the deployment vanished")
}

// ListDeployments returns a keyset page of deployments, newest first.
func (s *Store) ListDeployments(ctx context.Context, project int64, in workflow.DeploymentQuery) (workflow.Page[workflow.Deployment], error) {
	n := limit(in.Limit, DefaultDeploymentLimit, MaxDeploymentLimit)
	const q = `
SELECT ` + deploymentCols + ` FROM deployments d
WHERE d.project_id = $1 AND ($2 = '' OR d.environment = $2) AND ($3::bigint = 0 OR d.id < $3)
ORDER BY d.id DESC LIMIT $4`
	var items []workflow.Deployment
	err := s.do(ctx, func(c *pgxpool.Conn) error {
		rows, err := c.Query(ctx, q, project, in.Environment, in.Before, n+1)
		if err != nil {
			return err
		}
		items, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (workflow.Deployment, error) { return scanDeployment(r) })
		return err
	})
	return page(items, n, func(d workflow.Deployment) int64 { return d.ID }), err
}
