package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/perfgate/perfgate/gate/postgres"
)

// cliEnv returns a Getenv for run with only the given variables, a private
// TMPDIR the postgres user can reach, and a Docker endpoint where no daemon
// answers, so that auto never picks docker.
func cliEnv(t *testing.T, env map[string]string) func(string) string {
	t.Helper()
	tmp, err := os.MkdirTemp("", "perfgate-cmd-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(tmp) })
	if err := os.Chmod(tmp, 0o755); err != nil {
		t.Fatal(err)
	}
	m := map[string]string{
		"TMPDIR":      tmp,
		"DOCKER_HOST": "unix://" + filepath.Join(tmp, "no-docker.sock"),
	}
	for k, v := range env {
		m[k] = v
	}
	return func(k string) string { return m[k] }
}

var urlLine = regexp.MustCompile(`^DATABASE_URL=(\S+)\n$`)

func TestPostgresStartStop(t *testing.T) {
	t.Parallel()
	getenv := cliEnv(t, map[string]string{"PATH": os.Getenv("PATH")})
	dir := t.TempDir()

	code, stdout, stderr := runCLI(t, getenv, "postgres", "start", "--provider", "local", "--no-fsync", "--dir", dir)
	if code != exitOK {
		t.Fatalf("start: exit %d:\n%s", code, stderr)
	}
	t.Cleanup(func() { runCLI(t, getenv, "postgres", "stop", "--dir", dir) })
	m := urlLine.FindStringSubmatch(stdout)
	if m == nil {
		t.Fatalf("start printed %q on stdout, want exactly one DATABASE_URL line", stdout)
	}
	url := m[1]
	st, err := readState(filepath.Join(dir, stateFile))
	if err != nil {
		t.Fatal(err)
	}
	if st.Provider != postgres.ProviderLocal || st.URL != url || st.PID <= 0 {
		t.Fatalf("state = %+v, want the local server at %s", st, url)
	}

	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	var version string
	err = conn.QueryRow(ctx, "SELECT extversion FROM pg_extension WHERE extname = 'vector'").Scan(&version)
	conn.Close(context.Background())
	if err != nil || version == "" {
		t.Fatalf("vector extension: %q, %v", version, err)
	}

	// A second start over a live server is refused.
	code, stdout, stderr = runCLI(t, getenv, "postgres", "start", "--provider", "local", "--dir", dir)
	if code != exitUsage || stdout != "" || !strings.Contains(stderr, "still running") {
		t.Errorf("second start: exit %d, stdout %q, stderr:\n%s", code, stdout, stderr)
	}

	code, _, stderr = runCLI(t, getenv, "postgres", "stop", "--dir", dir)
	if code != exitOK {
		t.Fatalf("stop: exit %d:\n%s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, stateFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("state file still there after stop (stat: %v)", err)
	}
	if _, err := os.Stat(st.DataDir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("data dir %s still there after stop (stat: %v)", st.DataDir, err)
	}
	if err := syscall.Kill(st.PID, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("postmaster %d still exists after stop (kill 0: %v)", st.PID, err)
	}

	// Nothing is left to stop.
	code, _, stderr = runCLI(t, getenv, "postgres", "stop", "--dir", dir)
	if code != exitUsage || !strings.Contains(stderr, "no server recorded") {
		t.Errorf("stop without state: exit %d:\n%s", code, stderr)
	}
}

func TestPostgresStartUnavailable(t *testing.T) {
	t.Parallel()
	// No binaries on PATH, no PG_BIN, no DATABASE_URL, no Docker daemon.
	getenv := cliEnv(t, map[string]string{"PATH": t.TempDir()})
	dir := t.TempDir()
	code, stdout, stderr := runCLI(t, getenv, "postgres", "start", "--dir", dir)
	if code != exitInfra {
		t.Errorf("exit %d, want %d:\n%s", code, exitInfra, stderr)
	}
	if stdout != "" {
		t.Errorf("stdout = %q, want nothing", stdout)
	}
	for _, fix := range []string{"scripts/setup.sh", "start Docker", "set DATABASE_URL"} {
		if !strings.Contains(stderr, fix) {
			t.Errorf("stderr does not name the fix %q:\n%s", fix, stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, stateFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a failed start wrote a state file (stat: %v)", err)
	}
}

func TestPostgresStartReplacesStaleState(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, stateFile)
	// A record of a server that is gone.
	if err := writeState(path, postgres.State{Provider: postgres.ProviderURL, URL: "postgres://127.0.0.1:1/gone?connect_timeout=1"}); err != nil {
		t.Fatal(err)
	}
	// The stale record is cleared; this start then fails on its own
	// account (no DATABASE_URL for the url provider).
	code, _, stderr := runCLI(t, cliEnv(t, nil), "postgres", "start", "--provider", "url", "--dir", dir)
	if code != exitInfra || !strings.Contains(stderr, "DATABASE_URL is not set") {
		t.Errorf("exit %d:\n%s", code, stderr)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stale state file still there (stat: %v)", err)
	}
}

func TestPostgresStopCorruptState(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, stateFile), []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCLI(t, noEnv, "postgres", "stop", "--dir", dir)
	if code != exitUsage || !strings.Contains(stderr, stateFile) {
		t.Errorf("exit %d:\n%s", code, stderr)
	}
}
