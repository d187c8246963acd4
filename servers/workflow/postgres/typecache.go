package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/jackc/pgx/v5"

	"github.com/perfgate/perfgate/servers/workflow"
	"github.com/perfgate/perfgate/servers/workflow/schema"
)

// entityType is what a write needs of an entity's type: the schema to
// validate against, and the version the write then requires, so that a
// schema changed meanwhile makes the write match no row instead of
// slipping through.
type entityType struct {
	id      int64
	name    string
	version int
	schema  *schema.Schema
}

// typeCache remembers entity types by project and name, and the type of
// each entity. A type's id and name and an entity's type never change; a
// type's version does, and every write checks the version it validated
// against, so a stale entry costs a retry, never a wrong write.
type typeCache struct {
	mu         sync.RWMutex
	byName     map[typeKey]entityType
	byID       map[int64]entityType
	entityType map[int64]int64 // entity id -> type id
}

type typeKey struct {
	project int64
	name    string
}

// maxCachedEntities bounds the entity -> type map; past it, it starts over.
const maxCachedEntities = 100_000

func (c *typeCache) put(project int64, t entityType) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.byName == nil || len(c.byID) >= maxCached {
		c.byName, c.byID = map[typeKey]entityType{}, map[int64]entityType{}
	}
	c.byName[typeKey{project, t.name}] = t
	c.byID[t.id] = t
}

func (c *typeCache) named(project int64, name string) (entityType, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	t, ok := c.byName[typeKey{project, name}]
	return t, ok
}

func (c *typeCache) ofEntity(id int64) (entityType, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	tid, ok := c.entityType[id]
	if !ok {
		return entityType{}, false
	}
	t, ok := c.byID[tid]
	return t, ok
}

func (c *typeCache) putEntity(id, typeID int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entityType == nil || len(c.entityType) >= maxCachedEntities {
		c.entityType = map[int64]int64{}
	}
	c.entityType[id] = typeID
}

// maxCached bounds the cached types.
const maxCached = 10_000

// loadType reads the project's type name as it is now.
func (s *Store) loadType(ctx context.Context, q querier, project int64, name string) (entityType, error) {
	t := entityType{name: name}
	var doc map[string]any
	err := q.QueryRow(ctx, `SELECT id, version, schema FROM entity_types WHERE project_id = $1 AND name = $2`,
		project, name).Scan(&t.id, &t.version, &doc)
	if errors.Is(err, pgx.ErrNoRows) {
		return t, unknownType(ctx, q, project, name)
	}
	if err != nil {
		return t, fmt.Errorf("read entity type %q: %w", name, err)
	}
	if t.schema, err = s.schemas.Get(t.id, t.version, func() (map[string]any, error) { return doc, nil }); err != nil {
		return t, fmt.Errorf("schema of entity type %q: %w", name, err)
	}
	s.types.put(project, t)
	return t, nil
}

// typeNamed returns the project's type name, from the cache when it can.
func (s *Store) typeNamed(ctx context.Context, q querier, project int64, name string) (entityType, error) {
	if t, ok := s.types.named(project, name); ok {
		return t, nil
	}
	return s.loadType(ctx, q, project, name)
}

// typeOfEntity returns the type of entity id, from the cache when it can.
func (s *Store) typeOfEntity(ctx context.Context, q querier, project, id int64) (entityType, error) {
	if t, ok := s.types.ofEntity(id); ok {
		return t, nil
	}
	var name string
	err := q.QueryRow(ctx, `SELECT t.name FROM entities e JOIN entity_types t ON t.id = e.type_id WHERE e.id = $1 AND e.project_id = $2`,
		id, project).Scan(&name)
	if errors.Is(err, pgx.ErrNoRows) {
		return entityType{}, &workflow.NotFoundError{What: "entity", ID: id}
	}
	if err != nil {
		return entityType{}, fmt.Errorf("read the type of entity %d: %w", id, err)
	}
	t, err := s.loadType(ctx, q, project, name)
	if err == nil {
		s.types.putEntity(id, t.id)
	}
	return t, err
}

// check validates data against t. When it fails, the type is read again,
// in case the cached schema is stale, and data checked against the latest.
func (s *Store) check(ctx context.Context, q querier, project int64, t entityType, data map[string]any) (entityType, error) {
	if t.schema.Validate(data) == nil {
		return t, nil
	}
	t, err := s.loadType(ctx, q, project, t.name)
	if err != nil {
		return t, err
	}
	if vs := t.schema.Validate(data); vs != nil {
		return t, &workflow.ValidationError{Type: t.name, Violations: vs}
	}
	return t, nil
}
