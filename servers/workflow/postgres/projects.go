package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/perfgate/perfgate/servers/workflow"
)

// maxKnown bounds the project names an unknown-project error lists.
const maxKnown = 50

// CreateProject inserts the project and, when activate is true, or nil and
// no project is active, makes it the active one, in one statement.
func (s *Store) CreateProject(ctx context.Context, name, description string, activate *bool) (workflow.Project, error) {
	if err := checkProjectName(name); err != nil {
		return workflow.Project{}, err
	}
	const q = `
WITH p AS (
	INSERT INTO projects (name, description) VALUES ($1, $2)
	ON CONFLICT (name) DO NOTHING
	RETURNING id, name, description, created_at
), a AS (
	INSERT INTO active_projects (server, project_id)
	SELECT $3, p.id FROM p
	WHERE $4::boolean IS TRUE
	   OR ($4::boolean IS NULL AND NOT EXISTS (SELECT 1 FROM active_projects WHERE server = $3))
	ON CONFLICT (server) DO UPDATE SET project_id = EXCLUDED.project_id, switched_at = now()
	RETURNING project_id
)
SELECT p.id, p.name, p.description, p.created_at, EXISTS (SELECT 1 FROM a) FROM p`
	var p workflow.Project
	err := s.do(ctx, func(c *pgxpool.Conn) error {
		err := c.QueryRow(ctx, q, name, description, s.server, activate).
			Scan(&p.ID, &p.Name, &p.Description, &p.CreatedAt, &p.Active)
		if errors.Is(err, pgx.ErrNoRows) {
			var id int64
			if err := c.QueryRow(ctx, `SELECT id FROM projects WHERE name = $1`, name).Scan(&id); err != nil {
				return fmt.Errorf("look up project %q: %w", name, err)
			}
			return &workflow.ExistsError{What: "project", Name: name, ID: id}
		}
		return err
	})
	return p, err
}

// ListProjects returns every project by name.
func (s *Store) ListProjects(ctx context.Context) ([]workflow.Project, error) {
	const q = `
SELECT p.id, p.name, p.description, p.created_at, a.project_id IS NOT NULL
FROM projects p LEFT JOIN active_projects a ON a.project_id = p.id AND a.server = $1
ORDER BY p.name`
	var out []workflow.Project
	err := s.do(ctx, func(c *pgxpool.Conn) error {
		rows, err := c.Query(ctx, q, s.server)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (workflow.Project, error) {
			var p workflow.Project
			err := r.Scan(&p.ID, &p.Name, &p.Description, &p.CreatedAt, &p.Active)
			return p, err
		})
		return err
	})
	if out == nil {
		out = []workflow.Project{}
	}
	return out, err
}

// refArgs splits a project reference into the name and id to match: a
// reference of digits is an id (names always hold a letter).
func refArgs(ref string) (name string, id *int64) {
	if n, err := strconv.ParseInt(ref, 10, 64); err == nil {
		return "", &n
	}
	return ref, nil
}

// SwitchProject makes the project the active one, in one statement; when
// it is active already, nothing is written.
func (s *Store) SwitchProject(ctx context.Context, ref string) (workflow.Project, error) {
	const q = `
WITH p AS (
	SELECT id, name, description, created_at FROM projects WHERE name = $2 OR id = $3
), a AS (
	INSERT INTO active_projects (server, project_id) SELECT $1, id FROM p
	ON CONFLICT (server) DO UPDATE SET project_id = EXCLUDED.project_id, switched_at = now()
	WHERE active_projects.project_id <> EXCLUDED.project_id
)
SELECT id, name, description, created_at FROM p`
	name, id := refArgs(ref)
	var p workflow.Project
	err := s.do(ctx, func(c *pgxpool.Conn) error {
		err := c.QueryRow(ctx, q, s.server, name, id).Scan(&p.ID, &p.Name, &p.Description, &p.CreatedAt)
		if errors.Is(err, pgx.ErrNoRows) {
			return unknownProject(ctx, c, ref)
		}
		return err
	})
	p.Active = err == nil
	return p, err
}

// ResolveProject finds the project named or numbered ref, or the active
// one when ref is "". Projects are never renamed or deleted, so a project
// found by its name or id is remembered; the active project is read every
// time, as another server with the same id may switch it.
func (s *Store) ResolveProject(ctx context.Context, ref string) (workflow.Project, error) {
	if ref != "" {
		if p, ok := s.projects.Load(ref); ok {
			return p.(workflow.Project), nil
		}
	}
	var p workflow.Project
	err := s.do(ctx, func(c *pgxpool.Conn) error {
		var row pgx.Row
		if ref == "" {
			row = c.QueryRow(ctx, `
SELECT p.id, p.name, p.description, p.created_at
FROM active_projects a JOIN projects p ON p.id = a.project_id WHERE a.server = $1`, s.server)
		} else {
			name, id := refArgs(ref)
			row = c.QueryRow(ctx, `SELECT p.id, p.name, p.description, p.created_at FROM projects p WHERE p.name = $1 OR p.id = $2`, name, id)
		}
		err := row.Scan(&p.ID, &p.Name, &p.Description, &p.CreatedAt)
		if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		if ref == "" {
			return workflow.ErrNoActiveProject
		}
		return unknownProject(ctx, c, ref)
	})
	if err != nil {
		return p, err
	}
	if ref == "" {
		p.Active = true
	} else {
		s.projects.Store(ref, p)
	}
	return p, nil
}

// unknownProject builds the error for a reference that matched nothing.
func unknownProject(ctx context.Context, c *pgxpool.Conn, ref string) error {
	rows, err := c.Query(ctx, `SELECT name FROM projects ORDER BY name LIMIT $1`, maxKnown)
	if err != nil {
		return fmt.Errorf("list projects: %w", err)
	}
	known, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("list projects: %w", err)
	}
	return &workflow.UnknownProjectError{Ref: ref, Known: known}
}
