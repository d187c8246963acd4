package postgres

import (
	"context"
	"embed"
	"errors"
	"io/fs"
	"regexp"
	"slices"
	"strconv"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/perfgate/perfgate/servers/internal/pgdb"
	"github.com/perfgate/perfgate/servers/workflow"
	"github.com/perfgate/perfgate/servers/workflow/schema"
)

// MigrationsTable is goose's version table for this store, apart from
// other servers sharing the database.
const MigrationsTable = "workflow_goose_version"

// DefaultServer is the default key of the active project.
const DefaultServer = "workflow-mcp"

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrations returns the store's goose migrations, for pgdb.Config.
func Migrations() fs.FS {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		panic(err) // the embedded directory exists
	}
	return sub
}

// Config configures a Store.
type Config struct {
	// Server keys the active project: servers sharing a name share it
	// (default DefaultServer).
	Server string
}

// Store is the PostgreSQL workflow.Store. It is safe for concurrent use.
type Store struct {
	db      *pgdb.DB
	server  string
	schemas schema.Cache
	types   typeCache
	// projects maps a project reference (name or id) to the project.
	projects sync.Map
}

var _ workflow.Store = (*Store)(nil)

// New returns a Store on db, which must have been opened with Migrations()
// and MigrationsTable.
func New(db *pgdb.DB, cfg Config) *Store {
	if cfg.Server == "" {
		cfg.Server = DefaultServer
	}
	return &Store{db: db, server: cfg.Server}
}

// do runs fn on a pooled connection.
func (s *Store) do(ctx context.Context, fn func(*pgxpool.Conn) error) error {
	return s.db.Do(ctx, fn)
}

// tx runs fn in a transaction.
func (s *Store) tx(ctx context.Context, fn func(pgx.Tx) error) error {
	return s.db.Tx(ctx, fn)
}

// querier is what both a connection and a transaction offer.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// pgCode returns the SQLSTATE of err and its constraint, or "".
func pgCode(err error) (code, constraint string) {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code, pe.ConstraintName
	}
	return "", ""
}

const (
	codeUnique     = "23505"
	codeForeignKey = "23503"
	codeCheck      = "23514"
)

var namePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// checkName refuses names that are empty, too long or oddly spelt.
func checkName(field, name string) error {
	if !namePattern.MatchString(name) {
		return &workflow.InputError{Field: field, Reason: "use 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit"}
	}
	return nil
}

// checkProjectName also refuses names of digits only: a project is named
// or numbered, and those would read as ids.
func checkProjectName(name string) error {
	if err := checkName("name", name); err != nil {
		return err
	}
	if _, err := strconv.ParseInt(name, 10, 64); err == nil {
		return &workflow.InputError{Field: "name", Reason: "a project name needs a letter: digits alone would read as a project id"}
	}
	return nil
}

// limit clamps a page size to 1..max, with def for zero.
func limit(n, def, max int) int {
	switch {
	case n <= 0:
		return def
	case n > max:
		return max
	}
	return n
}

// page cuts one extra row off items and sets Next from the last kept item.
func page[T any](items []T, n int, id func(T) int64) workflow.Page[T] {
	p := workflow.Page[T]{Items: items}
	if len(items) > n {
		p.Items = items[:n]
		p.Next = id(items[n-1])
	}
	if p.Items == nil {
		p.Items = []T{}
	}
	return p
}

// uniqueSorted returns the distinct values of xs, sorted.
func uniqueSorted[T int64 | string](xs []T) []T {
	out := slices.Clone(xs)
	slices.Sort(out)
	out = slices.Compact(out)
	if out == nil {
		out = []T{}
	}
	return out
}
