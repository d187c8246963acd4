package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/perfgate/perfgate/servers/workflow"
	"github.com/perfgate/perfgate/servers/workflow/schema"
)

// Page sizes of QueryEntities.
const (
	DefaultEntityLimit = 50
	MaxEntityLimit     = 500
)

// maxInvalidShown bounds the invalid entities a re-validation error lists.
const maxInvalidShown = 5

// RegisterEntityType creates the type or replaces its schema in one
// upsert; an unchanged schema leaves the type as it is. With revalidate,
// the existing entities are checked in the same transaction, which the
// upsert's row lock keeps from racing with entity writes.
func (s *Store) RegisterEntityType(ctx context.Context, project int64, name string, doc map[string]any, revalidate bool) (workflow.EntityType, error) {
	if err := checkName("name", name); err != nil {
		return workflow.EntityType{}, err
	}
	compiled, err := schema.Compile(doc)
	if err != nil {
		return workflow.EntityType{}, err
	}
	const upsert = `
INSERT INTO entity_types (project_id, name, schema) VALUES ($1, $2, $3)
ON CONFLICT (project_id, name) DO UPDATE
	SET schema = EXCLUDED.schema, version = entity_types.version + 1, updated_at = now()
	WHERE entity_types.schema IS DISTINCT FROM EXCLUDED.schema
RETURNING id, version, created_at, updated_at`
	t := workflow.EntityType{Name: name, Schema: doc}
	err = s.tx(ctx, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, upsert, project, name, doc).Scan(&t.ID, &t.Version, &t.CreatedAt, &t.UpdatedAt)
		if errors.Is(err, pgx.ErrNoRows) {
			// The schema is the one registered already: nothing to do.
			return tx.QueryRow(ctx, `SELECT id, version, created_at, updated_at FROM entity_types WHERE project_id = $1 AND name = $2`,
				project, name).Scan(&t.ID, &t.Version, &t.CreatedAt, &t.UpdatedAt)
		}
		if err != nil {
			return err
		}
		s.schemas.Put(t.ID, t.Version, compiled)
		if !revalidate || t.Version == 1 {
			return nil
		}
		n, err := revalidateType(ctx, tx, t.ID, name, compiled)
		t.Revalidated = n
		return err
	})
	return t, err
}

// revalidateType checks every entity of the type against s.
func revalidateType(ctx context.Context, tx pgx.Tx, typeID int64, typeName string, s *schema.Schema) (int, error) {
	rows, err := tx.Query(ctx, `SELECT id, name, data FROM entities WHERE type_id = $1 ORDER BY id`, typeID)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	bad := &workflow.InvalidEntitiesError{Type: typeName}
	n := 0
	for rows.Next() {
		var e workflow.InvalidEntity
		var data map[string]any
		if err := rows.Scan(&e.ID, &e.Name, &data); err != nil {
			return n, err
		}
		n++
		if e.Violations = s.Validate(data); e.Violations != nil {
			bad.Count++
			if len(bad.Entities) < maxInvalidShown {
				bad.Entities = append(bad.Entities, e)
			}
		}
	}
	if err := rows.Err(); err != nil {
		return n, err
	}
	if bad.Count > 0 {
		return n, bad
	}
	return n, nil
}

// entityCols are the columns scanEntity reads, from entities e joined
// with entity_types t.
const entityCols = `e.id, t.name, e.name, e.data, e.tags, e.version, e.created_at, e.updated_at`

func scanEntity(row pgx.Row, extra ...any) (workflow.Entity, error) {
	var e workflow.Entity
	err := row.Scan(append([]any{&e.ID, &e.Type, &e.Name, &e.Data, &e.Tags, &e.Version, &e.CreatedAt, &e.UpdatedAt}, extra...)...)
	return e, err
}

// CreateEntity inserts the entity and validates it against its type's
// schema in the same transaction, which holds a share lock on the type so
// that a concurrent schema change waits.
func (s *Store) CreateEntity(ctx context.Context, project int64, in workflow.NewEntity) (workflow.Entity, error) {
	if err := checkName("name", in.Name); err != nil {
		return workflow.Entity{}, err
	}
	const q = `
WITH t AS (
	SELECT id, name, version FROM entity_types WHERE project_id = $1 AND name = $2 FOR SHARE
), e AS (
	INSERT INTO entities (project_id, type_id, name, data, tags)
	SELECT $1, t.id, $3, $4::jsonb, $5::text[] FROM t
	ON CONFLICT (type_id, name) DO NOTHING
	RETURNING *
)
SELECT ` + entityCols + `, t.id, t.version FROM e JOIN t ON t.id = e.type_id`
	var out workflow.Entity
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var typeID int64
		var typeVersion int
		e, err := scanEntity(tx.QueryRow(ctx, q, project, in.Type, in.Name, in.Data, uniqueSorted(in.Tags)), &typeID, &typeVersion)
		if errors.Is(err, pgx.ErrNoRows) {
			return s.explainCreateMiss(ctx, tx, project, in)
		}
		if err != nil {
			return err
		}
		if err := s.validate(ctx, tx, typeID, typeVersion, in.Type, e.Data); err != nil {
			return err
		}
		out = e
		return nil
	})
	return out, err
}

// explainCreateMiss tells an unknown type from a taken name.
func (s *Store) explainCreateMiss(ctx context.Context, q querier, project int64, in workflow.NewEntity) error {
	var id int64
	err := q.QueryRow(ctx, `
SELECT e.id FROM entities e JOIN entity_types t ON t.id = e.type_id
WHERE t.project_id = $1 AND t.name = $2 AND e.name = $3`, project, in.Type, in.Name).Scan(&id)
	switch {
	case err == nil:
		return &workflow.ExistsError{What: "entity", Name: in.Name, ID: id}
	case errors.Is(err, pgx.ErrNoRows):
		return unknownType(ctx, q, project, in.Type)
	}
	return err
}

func unknownType(ctx context.Context, q querier, project int64, name string) error {
	rows, err := q.Query(ctx, `SELECT name FROM entity_types WHERE project_id = $1 ORDER BY name LIMIT $2`, project, maxKnown)
	if err != nil {
		return fmt.Errorf("list entity types: %w", err)
	}
	known, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("list entity types: %w", err)
	}
	return &workflow.UnknownTypeError{Name: name, Known: known}
}

// validate checks data against version typeVersion of the type's schema.
func (s *Store) validate(ctx context.Context, q querier, typeID int64, typeVersion int, typeName string, data map[string]any) error {
	compiled, err := s.schemas.Get(typeID, typeVersion, func() (map[string]any, error) {
		var doc map[string]any
		err := q.QueryRow(ctx, `SELECT schema FROM entity_types WHERE id = $1`, typeID).Scan(&doc)
		return doc, err
	})
	if err != nil {
		return fmt.Errorf("schema of entity type %d: %w", typeID, err)
	}
	if vs := compiled.Validate(data); vs != nil {
		return &workflow.ValidationError{Type: typeName, Violations: vs}
	}
	return nil
}

// UpdateEntity is one conditional UPDATE; the data is validated against the
// type's current schema, read after the write under a share lock, and the
// transaction rolls back when it does not fit. On a version mismatch, a
// read builds the conflict error; the write never reads first.
func (s *Store) UpdateEntity(ctx context.Context, project int64, u workflow.EntityUpdate) (workflow.Entity, error) {
	const q = `
WITH e AS (
	UPDATE entities SET data = $4::jsonb, tags = COALESCE($5::text[], tags), version = version + 1, updated_at = now()
	WHERE id = $2 AND project_id = $1 AND version = $3
	RETURNING *
)
SELECT ` + entityCols + `, t.id, t.version FROM e JOIN entity_types t ON t.id = e.type_id FOR SHARE OF t`
	var tags []string
	if u.Tags != nil {
		tags = uniqueSorted(*u.Tags)
	}
	var out workflow.Entity
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var typeID int64
		var typeVersion int
		e, err := scanEntity(tx.QueryRow(ctx, q, project, u.ID, u.ExpectedVersion, u.Data, tags), &typeID, &typeVersion)
		if errors.Is(err, pgx.ErrNoRows) {
			return s.entityConflict(ctx, tx, project, u.ID, u.ExpectedVersion)
		}
		if err != nil {
			return err
		}
		if err := s.validate(ctx, tx, typeID, typeVersion, e.Type, e.Data); err != nil {
			return err
		}
		out = e
		return nil
	})
	return out, err
}

// entityConflict reads the entity to say why a conditional write matched
// no row: it does not exist, or its version is not the expected one.
func (s *Store) entityConflict(ctx context.Context, q querier, project, id int64, expected int) error {
	e, err := scanEntity(q.QueryRow(ctx, `
SELECT `+entityCols+` FROM entities e JOIN entity_types t ON t.id = e.type_id
WHERE e.id = $1 AND e.project_id = $2`, id, project))
	if errors.Is(err, pgx.ErrNoRows) {
		return &workflow.NotFoundError{What: "entity", ID: id}
	}
	if err != nil {
		return fmt.Errorf("read entity %d: %w", id, err)
	}
	return &workflow.ConflictError{What: "entity", ID: id, Expected: expected, Current: e.Version, Record: e}
}

// DeleteEntity is one conditional DELETE.
func (s *Store) DeleteEntity(ctx context.Context, project, id int64, expected int) error {
	return s.do(ctx, func(c *pgxpool.Conn) error {
		tag, err := c.Exec(ctx, `DELETE FROM entities WHERE id = $2 AND project_id = $1 AND version = $3`, project, id, expected)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return s.entityConflict(ctx, c, project, id, expected)
		}
		return nil
	})
}

// QueryEntities returns a keyset page of entities by id.
func (s *Store) QueryEntities(ctx context.Context, project int64, in workflow.EntityQuery) (workflow.Page[workflow.Entity], error) {
	n := limit(in.Limit, DefaultEntityLimit, MaxEntityLimit)
	args := []any{project, in.After, n + 1}
	where := []string{"e.project_id = $1", "e.id > $2"}
	if in.Type != "" {
		args = append(args, in.Type)
		where = append(where, fmt.Sprintf("t.project_id = $1 AND t.name = $%d", len(args)))
	}
	if len(in.Filter) > 0 {
		args = append(args, in.Filter)
		where = append(where, fmt.Sprintf("e.data @> $%d", len(args)))
	}
	if len(in.Tags) > 0 {
		args = append(args, uniqueSorted(in.Tags))
		where = append(where, fmt.Sprintf("e.tags @> $%d", len(args)))
	}
	q := `SELECT ` + entityCols + ` FROM entities e JOIN entity_types t ON t.id = e.type_id
WHERE ` + strings.Join(where, " AND ") + ` ORDER BY e.id LIMIT $3`
	var items []workflow.Entity
	err := s.do(ctx, func(c *pgxpool.Conn) error {
		rows, err := c.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		items, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (workflow.Entity, error) { return scanEntity(r) })
		if err != nil {
			return err
		}
		if len(items) == 0 && in.Type != "" {
			var exists bool
			if err := c.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM entity_types WHERE project_id = $1 AND name = $2)`,
				project, in.Type).Scan(&exists); err != nil {
				return err
			}
			if !exists {
				return unknownType(ctx, c, project, in.Type)
			}
		}
		return nil
	})
	return page(items, n, func(e workflow.Entity) int64 { return e.ID }), err
}
