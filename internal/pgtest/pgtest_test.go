package pgtest

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/pgvector/pgvector-go"
)

func TestIsolation(t *testing.T) {
	t.Parallel()
	ServerURL(t) // Skip here rather than in the subtests.
	var first string
	t.Run("first", func(t *testing.T) {
		first = URL(t)
		if _, err := Pool(t).Exec(t.Context(), "CREATE TABLE only_here (id int)"); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("second", func(t *testing.T) {
		if URL(t) == first {
			t.Fatalf("two tests share database %s", first)
		}
		pool := Pool(t)
		var found bool
		if err := pool.QueryRow(t.Context(), "SELECT to_regclass('only_here') IS NOT NULL").Scan(&found); err != nil {
			t.Fatal(err)
		}
		if found {
			t.Fatal("the second test's database sees the first test's table")
		}
		if _, err := pool.Exec(t.Context(), "CREATE TABLE only_here (id int)"); err != nil {
			t.Fatalf("the same table name in another test's database: %v", err)
		}
	})
	if first == "" {
		t.Fatal("the first subtest got no database")
	}
	cfg, err := pgx.ParseConfig(first)
	if err != nil {
		t.Fatal(err)
	}
	var exists bool
	err = adminPool(t).QueryRow(t.Context(), "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", cfg.Database).Scan(&exists)
	if err != nil {
		t.Fatal(err)
	}
	if exists {
		t.Errorf("database %s still exists after its test ended", cfg.Database)
	}
}

func TestVector(t *testing.T) {
	t.Parallel()
	pool := Pool(t)
	ctx := t.Context()
	if _, err := pool.Exec(ctx, "CREATE TABLE items (id int PRIMARY KEY, embedding vector(3))"); err != nil {
		t.Fatal(err)
	}
	for id, v := range [][]float32{{1, 1, 1}, {2, 2, 2}, {1, 1, 2}} {
		if _, err := pool.Exec(ctx, "INSERT INTO items VALUES ($1, $2)", id, pgvector.NewVector(v)); err != nil {
			t.Fatal(err)
		}
	}
	rows, err := pool.Query(ctx, "SELECT id, embedding FROM items ORDER BY embedding <-> $1", pgvector.NewVector([]float32{1, 1, 1.9}))
	if err != nil {
		t.Fatal(err)
	}
	var ids []int
	var nearest []float32
	for rows.Next() {
		var id int
		var v pgvector.Vector
		if err := rows.Scan(&id, &v); err != nil {
			t.Fatal(err)
		}
		if nearest == nil {
			nearest = v.Slice()
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if want := []int{2, 0, 1}; !slices.Equal(ids, want) {
		t.Errorf("ids by distance = %v, want %v", ids, want)
	}
	if want := []float32{1, 1, 2}; !slices.Equal(nearest, want) {
		t.Errorf("nearest vector = %v, want %v", nearest, want)
	}
}

func TestSameDatabasePerTest(t *testing.T) {
	t.Parallel()
	u := URL(t)
	if again := URL(t); again != u {
		t.Fatalf("URL(t) = %s, then %s", u, again)
	}
	var current string
	if err := Pool(t).QueryRow(t.Context(), "SELECT current_database()").Scan(&current); err != nil {
		t.Fatal(err)
	}
	cfg, err := pgx.ParseConfig(u)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Database != current {
		t.Errorf("Pool(t) is on %s, URL(t) = %s", current, u)
	}
	if Pool(t) != Pool(t) {
		t.Error("Pool(t) returned two pools")
	}
}

// fakeTB records Skipf and Fatalf and ends the goroutine like the real ones.
type fakeTB struct {
	testing.TB
	skipped, failed bool
	msg             string
}

func (f *fakeTB) Helper() {}
func (f *fakeTB) Skipf(format string, args ...any) {
	f.skipped, f.msg = true, fmt.Sprintf(format, args...)
	runtime.Goexit()
}
func (f *fakeTB) Fatalf(format string, args ...any) {
	f.failed, f.msg = true, fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func TestServerURLRule(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		env           map[string]string
		want          string
		skip, failure bool
	}{
		{name: "set", env: map[string]string{EnvURL: "postgres://x/y", "CI": "true"}, want: "postgres://x/y"},
		{name: "unset outside CI", env: map[string]string{}, skip: true},
		{name: "unset, CI=false", env: map[string]string{"CI": "false"}, skip: true},
		{name: "unset in CI", env: map[string]string{"CI": "true"}, failure: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeTB{TB: t}
			var got string
			done := make(chan struct{})
			go func() {
				defer close(done)
				got = serverURL(f, func(k string) string { return tt.env[k] })
			}()
			<-done
			if got != tt.want || f.skipped != tt.skip || f.failed != tt.failure {
				t.Errorf("got %q, skipped %v, failed %v; want %q, %v, %v", got, f.skipped, f.failed, tt.want, tt.skip, tt.failure)
			}
			if (tt.skip || tt.failure) && !strings.Contains(f.msg, EnvURL) {
				t.Errorf("message %q does not name %s", f.msg, EnvURL)
			}
		})
	}
}

func TestWithDatabase(t *testing.T) {
	t.Parallel()
	tests := []struct{ server, want string }{
		{"postgres://u:p@127.0.0.1:5432/postgres?sslmode=disable", "postgres://u:p@127.0.0.1:5432/db1?sslmode=disable"},
		{"postgresql://h/", "postgresql://h/db1"},
		{"host=/tmp port=5432 dbname=postgres", "host=/tmp port=5432 dbname=postgres dbname=db1"},
	}
	for _, tt := range tests {
		got := withDatabase(tt.server, "db1")
		if got != tt.want {
			t.Errorf("withDatabase(%q) = %q, want %q", tt.server, got, tt.want)
		}
		cfg, err := pgx.ParseConfig(got)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Database != "db1" {
			t.Errorf("%q connects to database %q, want db1", got, cfg.Database)
		}
	}
}

func TestDatabaseName(t *testing.T) {
	t.Parallel()
	a, b := databaseName("TestX/sub test#01"), databaseName("TestX/sub test#01")
	if a == b {
		t.Errorf("two names are equal: %s", a)
	}
	if !strings.HasPrefix(a, "pgtest_testx_sub_test_01_") || len(a) > 63 {
		t.Errorf("databaseName = %q", a)
	}
	long := databaseName(strings.Repeat("x", 200))
	if len(long) > 63 {
		t.Errorf("databaseName of a long test name is %d bytes", len(long))
	}
}
