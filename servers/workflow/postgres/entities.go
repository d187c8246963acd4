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
// the existing entities are checked in the same transaction: the upsert's
// row lock on the type makes entity writes, which take a share lock on it,
// either finish before the check reads them or wait and then validate
// against the new schema.
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
		if !revalidate || t.Version == 1 {
			return nil
		}
		n, err := revalidateType(ctx, tx, t.ID, name, compiled)
		t.Revalidated = n
		return err
	})
	if err == nil {
		// Only now, committed: a rolled-back version must not be cached.
		s.schemas.Put(t.ID, t.Version, compiled)
		s.types.put(project, entityType{id: t.ID, name: name, version: t.Version, schema: compiled})
	}
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

// maxTypeRetries bounds how often a write is retried because its type's
// schema changed between validation and the write.
const maxTypeRetries = 3

// errTypeChurn is returned when a type's schema kept changing under a write.
var errTypeChurn = errors.New("the entity type's schema kept changing during the write")

// CreateEntity validates the data against the type's schema, then inserts
// the entity in one statement that requires the schema version it was
// validated against, holding a share lock on the type until it commits: a
// concurrent schema change either waits for it, or makes it match no row,
// and then it validates again against the new schema.
func (s *Store) CreateEntity(ctx context.Context, project int64, in workflow.NewEntity) (workflow.Entity, error) {
	if err := checkName("name", in.Name); err != nil {
		return workflow.Entity{}, err
	}
	const q = `
WITH t AS (SELECT id FROM entity_types WHERE id = $2 AND version = $3 FOR SHARE)
INSERT INTO entities AS e (project_id, type_id, name, data, tags)
SELECT $1, t.id, $4, $5::jsonb, $6::text[] FROM t
ON CONFLICT (type_id, name) DO NOTHING
RETURNING e.id, $7::text, e.name, e.data, e.tags, e.version, e.created_at, e.updated_at`
	tags := uniqueSorted(in.Tags)
	var out workflow.Entity
	err := s.do(ctx, func(c *pgxpool.Conn) error {
		t, err := s.typeNamed(ctx, c, project, in.Type)
		if err != nil {
			return err
		}
		for range maxTypeRetries {
			if t, err = s.check(ctx, c, project, t, in.Data); err != nil {
				return err
			}
			out, err = scanEntity(c.QueryRow(ctx, q, project, t.id, t.version, in.Name, in.Data, tags, t.name))
			if err == nil {
				s.types.putEntity(out.ID, t.id)
				return nil
			}
			if !errors.Is(err, pgx.ErrNoRows) {
				return err
			}
			// The name is taken, or the schema changed since it was read.
			var id int64
			err = c.QueryRow(ctx, `SELECT id FROM entities WHERE type_id = $1 AND name = $2`, t.id, in.Name).Scan(&id)
			if err == nil {
				return &workflow.ExistsError{What: "entity", Name: in.Name, ID: id}
			}
			if !errors.Is(err, pgx.ErrNoRows) {
				return err
			}
			if t, err = s.loadType(ctx, c, project, in.Type); err != nil {
				return err
			}
		}
		return errTypeChurn
	})
	return out, err
}

// UpdateEntity validates the data against the entity's type, then writes
// it with one conditional UPDATE that requires both the expected entity
// version and the schema version it was validated against (see
// CreateEntity). The write never reads first; when it matches no row, a
// read says why: the entity is gone, its version moved on (a
// *workflow.ConflictError with the current record), or its schema changed
// (then it validates and writes again).
func (s *Store) UpdateEntity(ctx context.Context, project int64, u workflow.EntityUpdate) (workflow.Entity, error) {
	const q = `
WITH t AS (SELECT id FROM entity_types WHERE id = $4 AND version = $5 FOR SHARE)
UPDATE entities AS e
SET data = $6::jsonb, tags = COALESCE($7::text[], e.tags), version = e.version + 1, updated_at = now()
FROM t
WHERE e.id = $2 AND e.project_id = $1 AND e.version = $3 AND e.type_id = t.id
RETURNING e.id, $8::text, e.name, e.data, e.tags, e.version, e.created_at, e.updated_at`
	var tags []string
	if u.Tags != nil {
		tags = uniqueSorted(*u.Tags)
	}
	var out workflow.Entity
	err := s.do(ctx, func(c *pgxpool.Conn) error {
		t, err := s.typeOfEntity(ctx, c, project, u.ID)
		if err != nil {
			return err
		}
		for range maxTypeRetries {
			if t, err = s.check(ctx, c, project, t, u.Data); err != nil {
				return err
			}
			out, err = scanEntity(c.QueryRow(ctx, q, project, u.ID, u.ExpectedVersion, t.id, t.version, u.Data, tags, t.name))
			if !errors.Is(err, pgx.ErrNoRows) {
				return err
			}
			cur, typeVersion, err := readEntity(ctx, c, project, u.ID)
			if err != nil {
				return err
			}
			if cur.Version != u.ExpectedVersion {
				return &workflow.ConflictError{What: "entity", ID: u.ID, Expected: u.ExpectedVersion, Current: cur.Version, Record: cur}
			}
			if typeVersion == t.version {
				return fmt.Errorf("update of entity %d at version %d matched no row for no known reason", u.ID, cur.Version)
			}
			if t, err = s.loadType(ctx, c, project, t.name); err != nil {
				return err
			}
		}
		return errTypeChurn
	})
	return out, err
}

// readEntity reads an entity and its type's schema version.
func readEntity(ctx context.Context, q querier, project, id int64) (workflow.Entity, int, error) {
	var typeVersion int
	e, err := scanEntity(q.QueryRow(ctx, `
SELECT `+entityCols+`, t.version FROM entities e JOIN entity_types t ON t.id = e.type_id
WHERE e.id = $1 AND e.project_id = $2`, id, project), &typeVersion)
	if errors.Is(err, pgx.ErrNoRows) {
		return e, 0, &workflow.NotFoundError{What: "entity", ID: id}
	}
	if err != nil {
		return e, 0, fmt.Errorf("read entity %d: %w", id, err)
	}
	return e, typeVersion, nil
}

// entityConflict reads the entity to say why a conditional write matched
// no row: it does not exist, or its version is not the expected one.
func (s *Store) entityConflict(ctx context.Context, q querier, project, id int64, expected int) error {
	e, _, err := readEntity(ctx, q, project, id)
	if err != nil {
		return err
	}
	return &workflow.ConflictError{What: "entity", ID: id, Expected: expected, Current: e.Version, Record: e}
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
	// Planned for its values every time (an unnamed statement): a cached
	// generic plan cannot know that "e.id > $2" is e.id > 0 on a first page
	// and ANDs the bitmap of every entity of the project into the filter's
	// (5-15ms at 100,000 entities instead of 1-2ms).
	args = append([]any{pgx.QueryExecModeCacheDescribe}, args...)
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
