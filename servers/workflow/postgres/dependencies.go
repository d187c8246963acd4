package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/perfgate/perfgate/servers/workflow"
)

// depsLockClass is the first key of the advisory lock that serialises
// changes to a project's dependency graph.
const depsLockClass = 0x77660001

// AddDependency inserts the edge. For a blocks edge, it first takes the
// project's graph lock, then looks in SQL for a path from To back to From,
// in the same transaction as the insert: two concurrent calls cannot close
// a cycle together.
func (s *Store) AddDependency(ctx context.Context, project, from, to int64, kind workflow.DependencyKind) (workflow.Dependency, error) {
	if from == to {
		return workflow.Dependency{}, &workflow.CycleError{From: from, To: to, Path: []int64{from, from}}
	}
	dep := workflow.Dependency{From: from, To: to, Kind: kind}
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM work_items WHERE project_id = $1 AND id IN ($2, $3)`,
			project, from, to).Scan(&n); err != nil {
			return err
		}
		if n < 2 {
			return missingItem(ctx, tx, project, from, to)
		}
		if kind == workflow.KindBlocks {
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, ($2::bigint % 2147483647)::int)`, depsLockClass, project); err != nil {
				return err
			}
			var cycle bool
			if err := tx.QueryRow(ctx, `
WITH RECURSIVE reach (id) AS (
	SELECT $1::bigint
	UNION
	SELECT d.to_id FROM reach JOIN dependencies d ON d.from_id = reach.id AND d.kind = 'blocks'
)
SELECT EXISTS (SELECT 1 FROM reach WHERE id = $2)`, to, from).Scan(&cycle); err != nil {
				return err
			}
			if cycle {
				return cyclePath(ctx, tx, from, to)
			}
		}
		if _, err := tx.Exec(ctx, `
INSERT INTO dependencies (project_id, from_id, to_id, kind) VALUES ($1, $2, $3, $4)
ON CONFLICT DO NOTHING`, project, from, to, kind); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `
SELECT f.title, f.status, t.title, t.status FROM work_items f, work_items t WHERE f.id = $1 AND t.id = $2`,
			from, to).Scan(&dep.FromTitle, &dep.FromStatus, &dep.ToTitle, &dep.ToStatus)
	})
	return dep, err
}

// cyclePath finds one path from to back to from, for the error message.
// It runs only once a cycle is known to exist, so it stops at the first.
func cyclePath(ctx context.Context, tx pgx.Tx, from, to int64) error {
	var path []int64
	err := tx.QueryRow(ctx, `
WITH RECURSIVE walk (id, path) AS (
	SELECT $1::bigint, ARRAY[$1::bigint]
	UNION ALL
	SELECT d.to_id, walk.path || d.to_id
	FROM walk JOIN dependencies d ON d.from_id = walk.id AND d.kind = 'blocks'
	WHERE d.to_id <> ALL (walk.path)
)
SELECT path FROM walk WHERE id = $2 LIMIT 1`, to, from).Scan(&path)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return err
	}
	return &workflow.CycleError{From: from, To: to, Path: append(path, to)}
}

// missingItem names which end of an edge does not exist in the project.
func missingItem(ctx context.Context, q querier, project int64, ids ...int64) error {
	for _, id := range ids {
		if _, err := readWorkItem(ctx, q, project, id); err != nil {
			return err
		}
	}
	return errors.New("a work item of the dependency vanished")
}
