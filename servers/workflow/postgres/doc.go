// Package postgres is the PostgreSQL workflow.Store, on the servers' pgdb
// pool, with its schema as embedded goose migrations (Migrations,
// MigrationsTable).
//
// Concurrency is the point of its design:
//
//   - every change is one conditional statement, e.g.
//     UPDATE entities SET ..., version = version + 1 WHERE id = $2 AND
//     version = $3 RETURNING ...; when it matches no row, a read follows
//     only to build the *workflow.ConflictError (current version and
//     record) or the not-found error. A lost update is impossible;
//   - a claim is one UPDATE ... WHERE owner IS NULL OR lease_until < now()
//     OR owner = $3, so of many concurrent claimants exactly one wins;
//   - entity data is validated against its type's cached schema before the
//     write, and the write requires that schema version, under a share
//     lock on the type row: a schema changed meanwhile (by this server or
//     another) makes the write match no row, and it validates again; a
//     schema change with revalidate cannot miss a concurrent write. On a
//     cold cache, the entity's type (which never changes) is looked up
//     first;
//   - add_dependency takes a per-project advisory lock, then looks for a
//     cycle with a recursive query in the same transaction as the insert;
//   - the depth limit of the hierarchy is a CHECK constraint on a depth
//     column fixed at insert from the parent's;
//   - query_work_items' ready filter is a recursive query: items an
//     unfinished item blocks, and their descendants, are not ready.
//
// Listings are keyset pages by id. The JSONB containment filter of
// QueryEntities uses a GIN index (jsonb_path_ops), tags another.
//
// # Example
//
//	db, err := pgdb.New(pgdb.Config{URL: url, Migrations: postgres.Migrations(),
//		MigrationsTable: postgres.MigrationsTable})
//	if err != nil {
//		return err
//	}
//	db.Start()
//	store := postgres.New(db, postgres.Config{Server: "workflow-mcp"})
//	p, err := store.CreateProject(ctx, "perfgate", "", nil) // active if none is
//	w, err := store.CreateWorkItem(ctx, p.ID, workflow.NewWorkItem{Type: workflow.TypeTask, Title: "gate"})
//	w, err = store.ClaimWorkItem(ctx, p.ID, w.ID, "agent-1", 5*time.Minute)
package postgres
