package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/perfgate/perfgate/internal/pgtest"
	"github.com/perfgate/perfgate/servers/internal/pgdb"
	"github.com/perfgate/perfgate/servers/workflow"
	"github.com/perfgate/perfgate/servers/workflow/postgres"
	"github.com/perfgate/perfgate/servers/workflow/schema"
)

// open returns a Store on url, as one server process would have it.
func open(t *testing.T, url string) *postgres.Store {
	t.Helper()
	db, err := pgdb.New(pgdb.Config{URL: url, Migrations: postgres.Migrations(), MigrationsTable: postgres.MigrationsTable})
	if err != nil {
		t.Fatal(err)
	}
	db.Start()
	t.Cleanup(db.Close)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := db.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	return postgres.New(db, postgres.Config{})
}

var (
	loose  = map[string]any{"type": "object"}
	strict = map[string]any{"type": "object", "required": []any{"x"}}
)

// Two servers share a database; one changes a schema the other has
// cached. The other's writes still obey the schema in the database.
func TestSchemaChangedByAnotherServer(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := pgtest.URL(t)
	a, b := open(t, url), open(t, url)
	p, err := a.CreateProject(ctx, "shared", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.RegisterEntityType(ctx, p.ID, "note", loose, false); err != nil {
		t.Fatal(err)
	}
	e, err := a.CreateEntity(ctx, p.ID, workflow.NewEntity{Type: "note", Name: "n1", Data: map[string]any{}})
	if err != nil {
		t.Fatal(err)
	}

	// b makes it strict: a's cached loose schema is stale.
	if _, err := b.RegisterEntityType(ctx, p.ID, "note", strict, false); err != nil {
		t.Fatal(err)
	}
	if _, err := a.UpdateEntity(ctx, p.ID, workflow.EntityUpdate{ID: e.ID, ExpectedVersion: 1, Data: map[string]any{"y": 1.0}}); !errors.Is(err, workflow.ErrInvalid) {
		t.Fatalf("update breaking the new schema through the stale server = %v, want a validation error", err)
	}
	if _, err := a.CreateEntity(ctx, p.ID, workflow.NewEntity{Type: "note", Name: "n2", Data: map[string]any{}}); !errors.Is(err, workflow.ErrInvalid) {
		t.Fatalf("create breaking the new schema through the stale server = %v, want a validation error", err)
	}
	if _, err := a.UpdateEntity(ctx, p.ID, workflow.EntityUpdate{ID: e.ID, ExpectedVersion: 1, Data: map[string]any{"x": 1.0}}); err != nil {
		t.Fatalf("valid update through the stale server: %v", err)
	}

	// b relaxes it again: a's cached strict schema must not refuse.
	if _, err := b.RegisterEntityType(ctx, p.ID, "note", loose, false); err != nil {
		t.Fatal(err)
	}
	if _, err := a.UpdateEntity(ctx, p.ID, workflow.EntityUpdate{ID: e.ID, ExpectedVersion: 2, Data: map[string]any{}}); err != nil {
		t.Fatalf("update allowed by the relaxed schema: %v", err)
	}
}

// A schema change with revalidate races with entity writes that only the
// old schema allows. Either the change is refused, or no entity breaks it.
func TestRevalidateRacesWithWrites(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := pgtest.URL(t)
	writer, registrar := open(t, url), open(t, url)
	p, err := writer.CreateProject(ctx, "race", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	compiled, err := schema.Compile(strict)
	if err != nil {
		t.Fatal(err)
	}
	accepted := 0
	defer func() { t.Logf("the strict schema was accepted in %d of 20 rounds", accepted) }()
	for round := range 20 {
		typ := fmt.Sprintf("t%d", round)
		if _, err := registrar.RegisterEntityType(ctx, p.ID, typ, loose, false); err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for i := range 8 {
			e, err := writer.CreateEntity(ctx, p.ID, workflow.NewEntity{Type: typ, Name: fmt.Sprint(i), Data: map[string]any{"x": 1.0}})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, e.ID)
		}
		var wg sync.WaitGroup
		for _, id := range ids {
			wg.Go(func() {
				// Valid under loose only; refused once strict is in.
				_, err := writer.UpdateEntity(ctx, p.ID, workflow.EntityUpdate{ID: id, ExpectedVersion: 1, Data: map[string]any{"y": 1.0}})
				if err != nil && !errors.Is(err, workflow.ErrInvalid) {
					t.Errorf("update: %v", err)
				}
			})
		}
		var regErr error
		wg.Go(func() { _, regErr = registrar.RegisterEntityType(ctx, p.ID, typ, strict, true) })
		wg.Wait()
		if regErr != nil {
			if !errors.Is(regErr, workflow.ErrInvalid) {
				t.Fatalf("register: %v", regErr)
			}
			continue // refused: some update got in first
		}
		accepted++
		page, err := writer.QueryEntities(ctx, p.ID, workflow.EntityQuery{Type: typ, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page.Items {
			if vs := compiled.Validate(e.Data); vs != nil {
				t.Fatalf("round %d: the strict schema was accepted, yet entity %d breaks it: %v", round, e.ID, vs)
			}
		}
	}
}
