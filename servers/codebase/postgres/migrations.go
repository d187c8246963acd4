package pgstore

import (
	"embed"
	"io/fs"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// MigrationsTable is goose's version table for the shared schema, apart
// from other servers' sharing the database.
const MigrationsTable = "codebase_goose_version"

// Migrations returns the goose migrations of the shared schema, for
// pgdb.Config.Migrations.
func Migrations() fs.FS {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		panic(err) // the embedded directory exists
	}
	return sub
}
