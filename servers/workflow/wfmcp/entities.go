package wfmcp

import (
	"context"

	"github.com/perfgate/perfgate/servers/internal/tool"
	"github.com/perfgate/perfgate/servers/workflow"
)

type registerTypeIn struct {
	Project    string         `json:"project,omitempty" jsonschema:"Name or id (default: active)"`
	Name       string         `json:"name" jsonschema:"Type name, e.g. decision"`
	Schema     map[string]any `json:"schema" jsonschema:"JSON Schema (2020-12) the entities' data must satisfy; no external $ref"`
	Revalidate bool           `json:"revalidate,omitempty" jsonschema:"When replacing a schema, check existing entities and refuse if any breaks it"`
}

type registerTypeOut struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	Version     int    `json:"version"`
	Revalidated int    `json:"revalidated"`
}

type createEntityIn struct {
	Project string         `json:"project,omitempty" jsonschema:"Name or id (default: active)"`
	Type    string         `json:"type" jsonschema:"A registered entity type"`
	Name    string         `json:"name" jsonschema:"Unique within the type"`
	Data    map[string]any `json:"data" jsonschema:"Must satisfy the type's schema"`
	Tags    []string       `json:"tags,omitempty"`
}

type entityResult struct {
	Entity entityOut `json:"entity"`
}

type queryEntitiesIn struct {
	Project string         `json:"project,omitempty" jsonschema:"Name or id (default: active)"`
	Type    string         `json:"type,omitempty"`
	Filter  map[string]any `json:"filter,omitempty" jsonschema:"JSON the data must contain, e.g. {\"status\":\"open\"}"`
	Tags    []string       `json:"tags,omitempty" jsonschema:"Entities having all these tags"`
	Limit   int            `json:"limit,omitempty" jsonschema:"Page size, 1-500 (default 50)"`
	Cursor  string         `json:"cursor,omitempty" jsonschema:"next_cursor of the previous page"`
}

type entitiesPage struct {
	Entities   []entityOut `json:"entities"`
	NextCursor string      `json:"next_cursor,omitempty"`
}

type updateEntityIn struct {
	Project         string         `json:"project,omitempty" jsonschema:"Name or id (default: active)"`
	ID              int64          `json:"id"`
	ExpectedVersion int            `json:"expected_version" jsonschema:"The version you read; a mismatch is refused"`
	Data            map[string]any `json:"data" jsonschema:"Replaces the data; must satisfy the schema"`
	Tags            *[]string      `json:"tags,omitempty" jsonschema:"Replaces the tags when given"`
}

type deleteEntityIn struct {
	Project         string `json:"project,omitempty" jsonschema:"Name or id (default: active)"`
	ID              int64  `json:"id"`
	ExpectedVersion int    `json:"expected_version" jsonschema:"The version you read; a mismatch is refused"`
}

type deletedOut struct {
	Deleted int64 `json:"deleted"`
}

func (t *tools) addEntityTools(r tool.Registrar) {
	tool.Add(r, tool.Spec{
		Name:        "register_entity_type",
		Description: "Create an entity type with a JSON Schema, or replace its schema (version goes up).",
		Idempotent:  true,
	}, func(ctx context.Context, in registerTypeIn) (registerTypeOut, error) {
		return inProject(ctx, t, in.Project, func(p int64) (registerTypeOut, error) {
			et, err := t.Store.RegisterEntityType(ctx, p, in.Name, in.Schema, in.Revalidate)
			return registerTypeOut{ID: et.ID, Name: et.Name, Version: et.Version, Revalidated: et.Revalidated}, err
		})
	})

	tool.Add(r, tool.Spec{
		Name:        "create_entity",
		Description: "Create an entity of a registered type; data is validated against the type's schema.",
	}, func(ctx context.Context, in createEntityIn) (entityResult, error) {
		return inProject(ctx, t, in.Project, func(p int64) (entityResult, error) {
			e, err := t.Store.CreateEntity(ctx, p, workflow.NewEntity{Type: in.Type, Name: in.Name, Data: in.Data, Tags: in.Tags})
			return entityResult{Entity: entityRecord(e)}, err
		})
	})

	tool.Add(r, tool.Spec{
		Name:        "query_entities",
		Description: "List entities, oldest first, by type, data containment filter and tags.",
		ReadOnly:    true,
	}, func(ctx context.Context, in queryEntitiesIn) (entitiesPage, error) {
		after, err := decodeCursor("e", in.Cursor)
		if err != nil {
			return entitiesPage{}, err
		}
		return inProject(ctx, t, in.Project, func(p int64) (entitiesPage, error) {
			pg, err := t.Store.QueryEntities(ctx, p, workflow.EntityQuery{Type: in.Type, Filter: in.Filter, Tags: in.Tags, Limit: in.Limit, After: after})
			out := entitiesPage{Entities: make([]entityOut, len(pg.Items)), NextCursor: encodeCursor("e", pg.Next)}
			for i, e := range pg.Items {
				out.Entities[i] = entityRecord(e)
			}
			return out, err
		})
	})

	tool.Add(r, tool.Spec{
		Name:        "update_entity",
		Description: "Replace an entity's data (and tags) if its version is still expected_version.",
		Destructive: true,
	}, func(ctx context.Context, in updateEntityIn) (entityResult, error) {
		return inProject(ctx, t, in.Project, func(p int64) (entityResult, error) {
			e, err := t.Store.UpdateEntity(ctx, p, workflow.EntityUpdate{ID: in.ID, ExpectedVersion: in.ExpectedVersion, Data: in.Data, Tags: in.Tags})
			return entityResult{Entity: entityRecord(e)}, err
		})
	})

	tool.Add(r, tool.Spec{
		Name:        "delete_entity",
		Description: "Delete an entity if its version is still expected_version.",
		Destructive: true,
	}, func(ctx context.Context, in deleteEntityIn) (deletedOut, error) {
		return inProject(ctx, t, in.Project, func(p int64) (deletedOut, error) {
			return deletedOut{Deleted: in.ID}, t.Store.DeleteEntity(ctx, p, in.ID, in.ExpectedVersion)
		})
	})
}
