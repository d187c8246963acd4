package main_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/perfgate/perfgate/internal/progtest"
)

func TestMain(m *testing.M) { os.Exit(progtest.Run(m)) }

// build returns the path of cmd/workflow-mcp, the real program, built on
// first use (in $BIN_DIR when set: see progtest).
func build(tb testing.TB) string {
	tb.Helper()
	return progtest.Build(tb, "./cmd/workflow-mcp")
}

// process is a running workflow-mcp serving HTTP.
type process struct {
	cmd    *exec.Cmd
	url    string // http://127.0.0.1:port
	stderr *bytes.Buffer
}

// serve starts the binary over HTTP on a free port against dbURL and waits
// until /healthz answers healthy. It is stopped with SIGTERM at cleanup.
func serve(tb testing.TB, dbURL string, extra ...string) *process {
	tb.Helper()
	addr := freeAddr(tb)
	args := append([]string{"--transport", "http", "--addr", addr, "--log-level", "warn"}, extra...)
	cmd := exec.Command(build(tb), args...)
	cmd.Env = append(os.Environ(), "DATABASE_URL="+dbURL)
	p := &process{cmd: cmd, url: "http://" + addr, stderr: &bytes.Buffer{}}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				tb.Errorf("workflow-mcp exited with %v after SIGTERM; stderr:\n%s", err, p.stderr)
			}
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			tb.Errorf("workflow-mcp did not stop within 20s of SIGTERM")
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		res, err := http.Get(p.url + "/healthz")
		if err == nil {
			var h struct {
				Status string `json:"status"`
			}
			json.NewDecoder(res.Body).Decode(&h)
			res.Body.Close()
			if h.Status == "healthy" {
				return p
			}
		}
		if time.Now().After(deadline) {
			tb.Fatalf("workflow-mcp not healthy within 60s (last error %v); stderr:\n%s", err, p.stderr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func freeAddr(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// The real binary maps failures to its documented exit codes.
func TestExitCodes(t *testing.T) {
	t.Parallel()
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { taken.Close() })
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"usage", []string{"--no-such-flag"}, 2, "no-such-flag"},
		{"taken port", []string{"--transport", "http", "--addr", taken.Addr().String()}, 3, "already in use"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, build(t), tc.args...)
			cmd.Env = append(os.Environ(), "DATABASE_URL=postgres://postgres@127.0.0.1:1/x?sslmode=disable")
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != tc.code {
				t.Fatalf("exit %v, want code %d; output:\n%s", err, tc.code, out)
			}
			if !strings.Contains(string(out), tc.want) {
				t.Errorf("output %q does not mention %q", out, tc.want)
			}
		})
	}
}
