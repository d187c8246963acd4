package pgstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/perfgate/perfgate/servers/codebase/index"
)

// Projects lists the projects with their repositories, by name.
func (s *Store) Projects(ctx context.Context) ([]index.Project, error) {
	var metas []projectMeta
	err := s.db.Do(ctx, func(conn *pgxpool.Conn) error {
		rows, err := conn.Query(ctx, "SELECT "+projectColumns+" FROM codebase.projects ORDER BY name")
		if err != nil {
			return err
		}
		metas, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (projectMeta, error) { return scanProject(r) })
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list projects: %w", err)
	}
	out := make([]index.Project, 0, len(metas))
	for _, m := range metas {
		p, err := s.describe(ctx, m)
		if isStaleSchema(err) {
			continue // rebuilt or dropped since the list was read
		}
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// Project returns a project with its repositories, or a
// *index.ProjectNotFoundError.
func (s *Store) Project(ctx context.Context, name string) (index.Project, error) {
	var out index.Project
	err := s.withProject(ctx, name, func(m projectMeta) error {
		var err error
		out, err = s.describe(ctx, m)
		return err
	})
	return out, err
}

// describe reads a project's repositories.
func (s *Store) describe(ctx context.Context, m projectMeta) (index.Project, error) {
	p := index.Project{Name: m.Name, Model: m.Model, Dimension: m.Dimension, CreatedAt: m.CreatedAt, Repositories: []index.Repository{}}
	err := s.db.Do(ctx, func(conn *pgxpool.Conn) error {
		rows, err := conn.Query(ctx, "SELECT name, root, files, chunks, indexed_at FROM "+ident(m.Schema, "repositories")+" ORDER BY name")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var r index.Repository
			var at *time.Time
			if err := rows.Scan(&r.Name, &r.Root, &r.Files, &r.Chunks, &at); err != nil {
				return err
			}
			if at != nil {
				r.LastIndexed = *at
				if at.After(p.LastIndexed) {
					p.LastIndexed = *at
				}
			}
			p.Files += r.Files
			p.Chunks += r.Chunks
			p.Repositories = append(p.Repositories, r)
		}
		return rows.Err()
	})
	if err != nil && !isStaleSchema(err) {
		return p, fmt.Errorf("describe project %s: %w", m.Name, err)
	}
	return p, err
}

// RefStatus says whether the code a reference points at is still indexed
// as it was: current when a chunk of the path has the content hash,
// changed when the path is indexed without it, missing when the path or
// its repository is not indexed.
func (s *Store) RefStatus(ctx context.Context, r index.Ref) (index.RefResult, error) {
	var out index.RefResult
	err := s.withProject(ctx, r.Project, func(p projectMeta) error {
		return s.db.Do(ctx, func(conn *pgxpool.Conn) error {
			var fileID *int64
			var start, end *int
			err := conn.QueryRow(ctx, `SELECT f.id, c.start_line, c.end_line
				FROM `+ident(p.Schema, "repositories")+` r
				JOIN `+ident(p.Schema, "files")+` f ON f.repository_id = r.id AND f.path = $2
				LEFT JOIN LATERAL (SELECT start_line, end_line FROM `+ident(p.Schema, "chunks")+` c
					WHERE c.file_id = f.id AND c.content_hash = $3 ORDER BY start_line LIMIT 1) c ON true
				WHERE r.name = $1 OR r.root = $1
				ORDER BY r.name = $1 DESC LIMIT 1`, r.Repository, r.Path, r.ContentHash).Scan(&fileID, &start, &end)
			switch {
			case errors.Is(err, pgx.ErrNoRows):
				out = index.RefResult{Status: index.RefMissing}
				return nil
			case err != nil:
				return fmt.Errorf("code reference status: %w", err)
			case start == nil:
				out = index.RefResult{Status: index.RefChanged}
			default:
				out = index.RefResult{Status: index.RefCurrent, StartLine: *start, EndLine: *end}
			}
			return nil
		})
	})
	return out, err
}

// DropProject deletes a project and its schema. It waits for no job: it
// fails with index.ErrProjectBusy while one writes the project.
func (s *Store) DropProject(ctx context.Context, name string) error {
	conn, err := s.db.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	var locked bool
	if err := conn.QueryRow(ctx, lockKey, name).Scan(&locked); err != nil {
		return fmt.Errorf("lock project %s: %w", name, err)
	}
	if !locked {
		return fmt.Errorf("%w: a job is indexing project %q", index.ErrProjectBusy, name)
	}
	defer func() { _, _ = conn.Exec(context.WithoutCancel(ctx), unlockKey, name) }()
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		var schema string
		err := tx.QueryRow(ctx, "DELETE FROM codebase.projects WHERE name = $1 RETURNING schema_name", name).Scan(&schema)
		if errors.Is(err, pgx.ErrNoRows) {
			return &index.ProjectNotFoundError{Name: name}
		}
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE")
		return err
	})
	s.forget(name)
	if err != nil {
		return fmt.Errorf("drop project %s: %w", name, err)
	}
	return nil
}
