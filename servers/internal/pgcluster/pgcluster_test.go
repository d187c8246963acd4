package pgcluster_test

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/perfgate/perfgate/servers/internal/pgcluster"
)

// A committed row survives a clean stop and a kill -9 of the postmaster;
// between them the port refuses connections, and the cluster keeps its port.
func TestStopKillStart(t *testing.T) {
	t.Parallel()
	c := pgcluster.New(t)
	port := c.Port()
	exec(t, c, "CREATE TABLE kept (n int)")
	exec(t, c, "INSERT INTO kept VALUES (1)")

	c.Stop(t)
	if conn, err := connect(c); err == nil {
		conn.Close(context.Background())
		t.Fatal("connected to a stopped cluster")
	}
	c.Start(t)
	exec(t, c, "INSERT INTO kept VALUES (2)")

	c.Kill(t)
	if conn, err := connect(c); err == nil {
		conn.Close(context.Background())
		t.Fatal("connected to a killed cluster")
	}
	c.Start(t) // crash recovery
	if c.Port() != port {
		t.Fatalf("port %d after restarts, want %d", c.Port(), port)
	}
	conn, err := connect(c)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var sum int
	if err := conn.QueryRow(t.Context(), "SELECT sum(n) FROM kept").Scan(&sum); err != nil {
		t.Fatal(err)
	}
	if sum != 3 {
		t.Fatalf("after stop and kill -9, sum(n) = %d, want 3: a committed row is missing", sum)
	}
}

// Stop and Kill of a cluster that is not running fail the test rather than
// hang.
func TestNotRunning(t *testing.T) {
	t.Parallel()
	c := pgcluster.New(t)
	c.Kill(t)
	for name, f := range map[string]func(testing.TB){"Stop": c.Stop, "Kill": c.Kill} {
		ft := &fatalTB{TB: t}
		done := make(chan struct{})
		go func() { defer close(done); f(ft) }()
		<-done
		if !ft.failed {
			t.Errorf("%s of a stopped cluster did not fail", name)
		}
	}
}

// fatalTB records Fatal instead of ending the test.
type fatalTB struct {
	testing.TB
	failed bool
}

func (f *fatalTB) Helper() {}

func (f *fatalTB) Fatal(args ...any) {
	f.failed = true
	runtime.Goexit()
}

func connect(c *pgcluster.Cluster) (*pgx.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return pgx.Connect(ctx, c.URL())
}

func exec(t *testing.T, c *pgcluster.Cluster, sql string) {
	t.Helper()
	conn, err := connect(c)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(t.Context(), sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}
