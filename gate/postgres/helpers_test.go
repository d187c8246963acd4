package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// helperEnv makes the test binary act as a helper process (see TestMain):
// "wait" starts a local instance and waits for a signal, "detach" starts a
// detached one and exits. Either prints the instance's State as one JSON
// line on stdout.
const helperEnv = "PERFGATE_POSTGRES_TEST_HELPER"

func TestMain(m *testing.M) {
	if mode := os.Getenv(helperEnv); mode != "" {
		os.Exit(helperMain(mode))
	}
	os.Exit(m.Run())
}

func helperMain(mode string) int {
	inst, err := Start(context.Background(), Options{
		Provider: ProviderLocal,
		NoFsync:  true,
		Detach:   mode == "detach",
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		return 3
	}
	if err := json.NewEncoder(os.Stdout).Encode(inst.State()); err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		return 1
	}
	if mode == "detach" {
		return 0
	}
	// The signal handler ends the process; a timer, unlike select{}, does
	// not trip the runtime's deadlock detector.
	time.Sleep(5 * time.Minute)
	fmt.Fprintln(os.Stderr, "helper: no signal came")
	return 1
}

// startHelper runs the test binary as a helper process in mode and returns
// it with the State it printed.
func startHelper(t *testing.T, mode string) (*exec.Cmd, State, *strings.Builder) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+mode)
	stderr := new(strings.Builder)
	cmd.Stderr = stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var st State
	decoded := make(chan error, 1)
	go func() { decoded <- json.NewDecoder(stdout).Decode(&st) }()
	select {
	case err := <-decoded:
		if err != nil {
			_ = cmd.Wait()
			t.Fatalf("helper printed no state: %v; stderr:\n%s", err, stderr)
		}
	case <-time.After(2 * time.Minute):
		_ = cmd.Process.Kill()
		t.Fatalf("helper did not start an instance; stderr:\n%s", stderr)
	}
	return cmd, st, stderr
}

// waitCmd waits for cmd to exit, for at most d.
func waitCmd(t *testing.T, cmd *exec.Cmd, d time.Duration) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		_ = cmd.Process.Kill()
		t.Fatalf("process %d did not exit within %v", cmd.Process.Pid, d)
		return nil
	}
}

// reachableTempDir returns a fresh directory that the postgres user can
// reach (t.TempDir's parent is private to root), removed at cleanup.
func reachableTempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "perfgate-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// testEnv returns a Getenv that sees only env, a private TMPDIR (returned
// too) and a Docker endpoint where no daemon answers.
func testEnv(t *testing.T, env map[string]string) (func(string) string, string) {
	t.Helper()
	tmp := reachableTempDir(t)
	m := map[string]string{
		"TMPDIR":      tmp,
		"DOCKER_HOST": "unix://" + filepath.Join(tmp, "no-docker.sock"),
	}
	for k, v := range env {
		m[k] = v
	}
	return func(k string) string { return m[k] }, tmp
}

// assertGone fails t if the postmaster pid still runs or the data dir
// still exists.
func assertGone(t *testing.T, st State) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for processAlive(st.PID) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if processAlive(st.PID) {
		t.Errorf("postmaster %d still runs", st.PID)
	}
	if _, err := os.Stat(st.DataDir); !os.IsNotExist(err) {
		t.Errorf("data dir %s still exists (stat: %v)", st.DataDir, err)
	}
}

// assertEmpty fails t if dir has entries: a provider left files behind.
func assertEmpty(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), dataDirPrefix) {
			left = append(left, e.Name())
		}
	}
	if len(left) > 0 {
		t.Errorf("left behind in %s: %v", dir, left)
	}
}

// queryString runs a one-value query on url.
func queryString(t *testing.T, url, sql string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer conn.Close(context.Background())
	var s string
	if err := conn.QueryRow(ctx, sql).Scan(&s); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return s
}

const extversionSQL = "SELECT extversion FROM pg_extension WHERE extname = 'vector'"
