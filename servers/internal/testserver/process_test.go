package testserver_test

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/perfgate/perfgate/internal/pgtest"
	"github.com/perfgate/perfgate/servers/internal/mcpserver"
)

// A second server on a taken port exits 3 and says what to do.
func TestAddressInUse(t *testing.T) {
	t.Parallel()
	h := startServer(t, nil)
	addr := strings.TrimPrefix(h.base, "http://")

	// In process: Listen reports it, and ExitCode maps it.
	cfg := h.srv.Config()
	cfg.Addr = addr
	second, err := mcpserver.New(cfg, mcpserver.Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = second.Run(t.Context())
	var inUse *mcpserver.AddrInUseError
	if !errors.As(err, &inUse) || mcpserver.ExitCode(err) != 3 {
		t.Fatalf("Run on a taken port = %v (exit %d), want *AddrInUseError, exit 3", err, mcpserver.ExitCode(err))
	}

	// As a program.
	p := startProcess(t, "--transport", "http", "--addr", addr, "--db-url", pgtest.URL(t))
	if code := p.wait(t, 30*time.Second); code != 3 {
		t.Fatalf("exit code %d, want 3; stderr:\n%s", code, p.stderr)
	}
	want := "address " + addr + " is already in use"
	if msg := p.stderr.String(); !strings.Contains(msg, want) || !strings.Contains(msg, "--addr") {
		t.Fatalf("stderr %q: want %q and how to pick another port", msg, want)
	}
}

// Over stdio, stdout carries nothing but protocol messages; the log goes to
// stderr, as JSON; closing stdin stops the server with exit code 0.
func TestStdio(t *testing.T) {
	t.Parallel()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "--transport", "stdio")
	cmd.Env = append(os.Environ(), mainEnv+"=1", "MCP_TESTSERVER_DB_URL="+pgtest.URL(t))
	var stdout, stderr syncBuffer
	cmd.Stderr = &stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { cmd.Process.Kill() })

	c := client.NewClient(transport.NewIO(io.TeeReader(out, &stdout), stdin, io.NopCloser(strings.NewReader(""))))
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Initialize(ctx, mcp.InitializeRequest{Params: mcp.InitializeParams{
		ClientInfo: mcp.Implementation{Name: "stdio-test", Version: "1"},
	}}); err != nil {
		t.Fatalf("initialize over stdio: %v (stderr: %s)", err, stderr.String())
	}
	res, err := c.CallTool(ctx, mcp.CallToolRequest{Params: mcp.CallToolParams{Name: "echo", Arguments: map[string]any{"message": "over stdio"}}})
	if err != nil || res.IsError || text(res) != `{"message":"over stdio"}` {
		t.Fatalf("echo over stdio: %v %v", err, res)
	}
	res, err = c.CallTool(ctx, mcp.CallToolRequest{Params: mcp.CallToolParams{Name: "record_note", Arguments: map[string]any{"note": "n"}}})
	if err != nil || res.IsError {
		t.Fatalf("record_note over stdio: %v %v", err, res)
	}

	stdin.Close() // The client goes away.
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("the server exited with %v after stdin closed, want 0; stderr:\n%s", err, stderr.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("the server did not exit after stdin closed; stderr:\n%s", stderr.String())
	}
	for _, line := range strings.Split(strings.TrimSpace(stdout.String()), "\n") {
		var msg struct {
			JSONRPC string `json:"jsonrpc"`
		}
		if err := json.Unmarshal([]byte(line), &msg); err != nil || msg.JSONRPC != "2.0" {
			t.Fatalf("stdout carries a line that is not a JSON-RPC message: %q", line)
		}
	}
	if !strings.Contains(stderr.String(), `"msg":"stdin closed: stopped"`) {
		t.Fatalf("stderr lacks the stopped line:\n%s", stderr.String())
	}
	if lines := callLines(t, stderr.String()); len(lines) != 2 { // fails on a non-JSON line
		t.Fatalf("%d call lines on stderr, want 2:\n%s", len(lines), stderr.String())
	}
}

// SIGTERM over stdio: the call in flight finishes and its answer is
// written before the server exits 0.
func TestStdioGracefulShutdown(t *testing.T) {
	t.Parallel()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "--transport", "stdio", "--shutdown-timeout", "10s")
	cmd.Env = append(os.Environ(), mainEnv+"=1", "MCP_TESTSERVER_DB_URL="+pgtest.URL(t))
	var stderr syncBuffer
	cmd.Stderr = &stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { cmd.Process.Kill() })

	c := client.NewClient(transport.NewIO(out, stdin, io.NopCloser(strings.NewReader(""))))
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Initialize(ctx, mcp.InitializeRequest{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, "the database did not become ready", func() bool {
		res, err := c.CallTool(ctx, mcp.CallToolRequest{Params: mcp.CallToolParams{Name: "sleep_query", Arguments: map[string]any{"milliseconds": 0}}})
		return err == nil && !res.IsError
	})
	var wg sync.WaitGroup
	var res *mcp.CallToolResult
	var callErr error
	wg.Go(func() {
		res, callErr = c.CallTool(ctx, mcp.CallToolRequest{Params: mcp.CallToolParams{Name: "sleep_query", Arguments: map[string]any{"milliseconds": 1500}}})
	})
	time.Sleep(500 * time.Millisecond) // The call is in flight.
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if callErr != nil || res.IsError {
		t.Fatalf("the call in flight at SIGTERM: %v %v; want it to complete", callErr, res)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v, want 0; stderr:\n%s", err, stderr.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("the server did not exit after SIGTERM; stderr:\n%s", stderr.String())
	}
	if !strings.Contains(stderr.String(), `"msg":"shutting down","in_flight":1`) {
		t.Fatalf("the call was not in flight at SIGTERM; stderr:\n%s", stderr.String())
	}
}

// SIGTERM: the server stops accepting connections, lets the call in flight
// finish, and exits 0.
func TestGracefulShutdown(t *testing.T) {
	t.Parallel()
	p := startProcess(t, "--transport", "http", "--addr", "127.0.0.1:0", "--db-url", pgtest.URL(t), "--shutdown-timeout", "10s")
	addr := p.addr(t)
	c := connect(t, "http://"+addr+"/mcp", "")
	// A first call waits for the database to be ready.
	eventually(t, 30*time.Second, "the database did not become ready", func() bool {
		return !call(t, c, "sleep_query", map[string]any{"milliseconds": 0}).IsError
	})

	var wg sync.WaitGroup
	var res *mcp.CallToolResult
	var callErr error
	wg.Go(func() {
		res, callErr = c.CallTool(context.Background(), mcp.CallToolRequest{Params: mcp.CallToolParams{
			Name: "sleep_query", Arguments: map[string]any{"milliseconds": 1500}}})
	})
	eventually(t, 5*time.Second, "the call never started", func() bool {
		resp, err := http.Get("http://" + addr + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), `mcp_tool_calls_in_flight{server="mcp-testserver",tool="sleep_query"} 1`) {
				return true
			}
		}
		return false
	})
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := p.wait(t, 15*time.Second); code != 0 {
		t.Fatalf("exit code %d after SIGTERM, want 0; stderr:\n%s", code, p.stderr)
	}
	wg.Wait()
	if callErr != nil || res.IsError {
		t.Fatalf("the call in flight at SIGTERM: %v %v; want it to complete", callErr, res)
	}
	var out struct {
		Slept int64 `json:"slept_milliseconds"`
	}
	if err := json.Unmarshal([]byte(text(res)), &out); err != nil || out.Slept < 1500 {
		t.Fatalf("the call in flight returned %q", text(res))
	}
	if _, err := http.Get("http://" + addr + "/healthz"); err == nil {
		t.Fatal("the server still accepts connections after exiting")
	}
	for _, want := range []string{`"msg":"shutting down","in_flight":1`, `"msg":"stopped"`} {
		if !strings.Contains(p.stderr.String(), want) {
			t.Fatalf("stderr lacks %s:\n%s", want, p.stderr)
		}
	}
}

// SIGTERM closes connections that never delivered a request at once:
// net/http would wait five seconds for them, longer than this server's
// shutdown timeout, and warn that calls outlived it. Pooling clients leave
// such connections behind after load.
func TestShutdownClosesUnusedConnections(t *testing.T) {
	t.Parallel()
	p := startProcess(t, "--transport", "http", "--addr", "127.0.0.1:0", "--db-url", pgtest.URL(t), "--shutdown-timeout", "3s")
	addr := p.addr(t)
	unused, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer unused.Close()
	// The server accepts in order: once a later connection is answered, the
	// unused one has been accepted.
	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := p.wait(t, 15*time.Second); code != 0 {
		t.Fatalf("exit code %d after SIGTERM, want 0; stderr:\n%s", code, p.stderr)
	}
	if msg := p.stderr.String(); strings.Contains(msg, "outlived the shutdown timeout") || !strings.Contains(msg, `"msg":"stopped"`) {
		t.Fatalf("an unused connection held up the shutdown; stderr:\n%s", msg)
	}
	if n, err := unused.Read(make([]byte, 1)); err == nil {
		t.Fatalf("the unused connection is still open after exit (read %d bytes)", n)
	}
}

// --cpuprofile: the server writes a CPU profile of its run when it stops.
func TestCPUProfile(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "cpu.pprof")
	p := startProcess(t, "--transport", "http", "--addr", "127.0.0.1:0", "--db-url", pgtest.URL(t), "--cpuprofile", file)
	addr := p.addr(t)
	c := connect(t, "http://"+addr+"/mcp", "")
	if res := call(t, c, "echo", map[string]any{"message": "profiled"}); res.IsError {
		t.Fatalf("echo: %s", text(res))
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := p.wait(t, 15*time.Second); code != 0 {
		t.Fatalf("exit code %d after SIGTERM, want 0; stderr:\n%s", code, p.stderr)
	}
	f, err := os.Open(file)
	if err != nil {
		t.Fatalf("no profile written: %v", err)
	}
	defer f.Close()
	// A pprof profile is a gzipped protocol buffer.
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("the profile is not gzipped: %v", err)
	}
	if n, err := io.Copy(io.Discard, zr); err != nil || n == 0 {
		t.Fatalf("the profile holds %d bytes (%v)", n, err)
	}
}
