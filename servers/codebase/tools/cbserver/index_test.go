package cbserver_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/perfgate/perfgate/internal/pgtest"
	"github.com/perfgate/perfgate/servers/codebase/fixture"
	"github.com/perfgate/perfgate/servers/codebase/tools/cbserver"
	"github.com/perfgate/perfgate/servers/internal/mcptest"
)

// index runs `codebase-mcp index args...` and returns its exit code,
// stdout and stderr.
func index(t *testing.T, getenv func(string) string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := cbserver.Main(context.Background(), append([]string{"index"}, args...), strings.NewReader(""), &stdout, &stderr, getenv)
	if err != nil {
		stderr.WriteString("error: " + err.Error() + "\n")
	}
	return cbserver.ExitCode(err), stdout.String(), stderr.String()
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// index indexes synchronously and prints the counts; a second run finds
// the files unchanged, --force rewrites them, flags may follow the path,
// the database URL comes from DATABASE_URL as for the server.
func TestIndexCommand(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	repo := t.TempDir()
	writeFile(t, filepath.Join(repo, "calc", "calc.go"), "package calc\n\n// Add adds two numbers and returns the sum of them.\nfunc Add(a, b int) int { return a + b }\n\n"+
		"// Sub subtracts b from a.\nfunc Sub(a, b int) int { return a - b }\n")
	writeFile(t, filepath.Join(repo, "README.md"), "# calc\n\nAdds and subtracts numbers.\n")
	writeFile(t, filepath.Join(repo, "blob.bin"), "\x00\x01\x02binary")
	getenv := env(map[string]string{"DATABASE_URL": url})

	code, out, errOut := index(t, getenv, "--project", "cli", repo)
	if code != 0 {
		t.Fatalf("index: exit %d\n%s", code, errOut)
	}
	for _, want := range []string{" succeeded\n", "project     cli\n", "repository  " + realPath(t, repo) + "\n",
		"files       2 indexed, 0 unchanged, 1 skipped, 0 deleted\n", "skipped     binary 1\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout does not hold %q:\n%s", want, out)
		}
	}
	// stderr is not a terminal here: plain lines, the last one final.
	if !strings.Contains(errOut, "indexing "+realPath(t, repo)+" into project cli with builtin") ||
		!strings.Contains(errOut, "indexing: succeeded, 2/2 files (100%)") || strings.Contains(errOut, "\r") {
		t.Errorf("stderr progress:\n%q", errOut)
	}

	code, out, errOut = index(t, getenv, repo, "--project", "cli", "--format", "json")
	if code != 0 {
		t.Fatalf("second index: exit %d\n%s", code, errOut)
	}
	var job struct {
		State  string `json:"state"`
		Counts struct {
			Indexed   int `json:"files_indexed"`
			Unchanged int `json:"files_unchanged"`
		} `json:"counts"`
	}
	if err := json.Unmarshal([]byte(out), &job); err != nil {
		t.Fatalf("--format json: %v\n%s", err, out)
	}
	if job.State != "succeeded" || job.Counts.Unchanged != 2 || job.Counts.Indexed != 0 {
		t.Errorf("second index: %+v, want 2 files unchanged", job)
	}

	code, out, errOut = index(t, getenv, repo, "--force", "--project=cli")
	if code != 0 || !strings.Contains(out, "2 indexed, 0 unchanged") {
		t.Errorf("--force after the path: exit %d\n%s%s", code, out, errOut)
	}

	// Another embedder on the same project: refused, saying --force.
	code, _, errOut = index(t, getenv, "--project", "cli", "--embed-dimension", "64", repo)
	if code != 2 || !strings.Contains(errOut, "--force") {
		t.Errorf("embedder mismatch: exit %d, want 2 naming --force\n%s", code, errOut)
	}
	code, out, errOut = index(t, getenv, "--project", "cli", "--embed-dimension", "64", "--force", repo)
	if code != 0 || !strings.Contains(out, "2 indexed") {
		t.Errorf("embedder change with --force: exit %d\n%s%s", code, out, errOut)
	}
}

// A job that fails (the embedding server is down) exits 1 with the
// reason, and prints the counts of what it did.
func TestIndexCommandJobFails(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	repo := t.TempDir()
	writeFile(t, filepath.Join(repo, "a.go"), "package a\n\n// Add adds.\nfunc Add(a, b int) int { return a + b }\n")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := "http://" + ln.Addr().String()
	ln.Close()
	code, out, errOut := index(t, env(nil), "--db-url", url, "--embedder", "ollama", "--embed-model", "nomic-embed-text",
		"--embed-url", down, "--embed-dimension", "8", repo)
	if code != 1 {
		t.Fatalf("embedder down: exit %d, want 1\n%s%s", code, out, errOut)
	}
	if !strings.Contains(errOut, "failed") || !strings.Contains(out, " failed\n") || !strings.Contains(out, "error ") {
		t.Errorf("the failure is not reported:\nstdout:\n%s\nstderr:\n%s", out, errOut)
	}
}

func realPath(t *testing.T, p string) string {
	t.Helper()
	r, err := filepath.EvalSymlinks(p)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// Interrupted (ctx ends) while the job runs: the job is cancelled, its
// writes undone, and index exits 1 saying so.
func TestIndexCommandInterrupted(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	repo := t.TempDir()
	if err := fixture.Generate(repo, 1000, 1); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var stdout bytes.Buffer
	var stderr mcptest.SyncBuffer
	done := make(chan error, 1)
	go func() {
		done <- cbserver.Main(ctx, []string{"index", "--db-url", url, "--project", "int", "--progress-interval", "1ms", repo},
			strings.NewReader(""), &stdout, &stderr, env(nil))
	}()
	// Cancel once the job runs: the first progress line.
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(stderr.String(), "indexing: running") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	err := <-done
	if cbserver.ExitCode(err) != 1 || !strings.Contains(err.Error(), "interrupted") {
		t.Fatalf("exit %d (%v), want 1 saying interrupted\n%s", cbserver.ExitCode(err), err, stderr.String())
	}
	if !strings.Contains(err.Error(), " cancelled") {
		t.Errorf("the job is not said to be cancelled: %v", err)
	}
}
