package resilience_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/perfgate/perfgate/internal/progtest"
	"github.com/perfgate/perfgate/servers/internal/mcptest"
)

// slack is what a bounded wait may overrun its bound by on a busy 2-core
// machine, under -race, with other builds running.
const slack = 2 * time.Second

// acquireTimeout is the servers' --db-acquire-timeout in this suite: short,
// so that outages and a full pool are answered quickly.
const acquireTimeout = time.Second

// Load settings, scaled by the environment for the full profile.
const (
	// EnvClients is the number of concurrent MCP clients writing through
	// a Postgres restart (default 4).
	EnvClients = "PERFGATE_RESILIENCE_CLIENTS"
	// EnvSeconds is how long, in seconds, the clients write before each
	// outage, how long Postgres stays down, and how long they write after
	// it has recovered (default 1).
	EnvSeconds = "PERFGATE_RESILIENCE_SECONDS"
)

func clients(tb testing.TB) int { return envInt(tb, EnvClients, 4) }

func phase(tb testing.TB) time.Duration {
	tb.Helper()
	s := os.Getenv(EnvSeconds)
	if s == "" {
		return time.Second
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f <= 0 {
		tb.Fatalf("%s=%q: want a positive number of seconds", EnvSeconds, s)
	}
	return time.Duration(f * float64(time.Second))
}

func envInt(tb testing.TB, name string, def int) int {
	tb.Helper()
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		tb.Fatalf("%s=%q: want a whole number of at least 1", name, s)
	}
	return n
}

func TestMain(m *testing.M) { os.Exit(progtest.Run(m)) }

// program returns the path of cmd/<name>, the real binary, built on first
// use (in $BIN_DIR when set: see progtest).
func program(tb testing.TB, name string) string {
	tb.Helper()
	return progtest.Build(tb, "./cmd/"+name)
}

// server is a real server program serving streamable HTTP.
type server struct {
	name   string
	addr   string // 127.0.0.1:port
	cmd    *exec.Cmd
	stderr *syncBuffer
	done   chan struct{}
}

// startServer runs cmd/<name> over HTTP on addr ("" picks a free port)
// with the database at dbURL and the extra flags. It is stopped with
// SIGTERM at cleanup, unless it has already exited.
func startServer(tb testing.TB, name, addr, dbURL string, extra ...string) *server {
	tb.Helper()
	if addr == "" {
		addr = freeAddr(tb)
	}
	args := append([]string{"--transport", "http", "--addr", addr, "--log-level", "warn",
		"--db-acquire-timeout", acquireTimeout.String()}, extra...)
	cmd := exec.Command(program(tb, name), args...)
	cmd.Env = append(os.Environ(), "DATABASE_URL="+dbURL)
	s := &server{name: name, addr: addr, cmd: cmd, stderr: &syncBuffer{}, done: make(chan struct{})}
	cmd.Stderr = s.stderr
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	go func() { cmd.Wait(); close(s.done) }()
	tb.Cleanup(func() {
		select {
		case <-s.done:
			return
		default:
		}
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.done:
			if code := cmd.ProcessState.ExitCode(); code != 0 {
				tb.Errorf("%s exited with %d after SIGTERM; stderr:\n%s", name, code, s.stderr)
			}
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			<-s.done
			tb.Errorf("%s did not stop within 30s of SIGTERM", name)
		}
	})
	return s
}

// url is the server's MCP endpoint.
func (s *server) url() string { return "http://" + s.addr + "/mcp" }

// waitHealthy waits until /healthz answers healthy.
func (s *server) waitHealthy(tb testing.TB) {
	tb.Helper()
	var last string
	eventually(tb, 60*time.Second, func() string {
		return fmt.Sprintf("%s not healthy within 60s (last: %s); stderr:\n%s", s.name, last, s.stderr)
	}, func() bool {
		select {
		case <-s.done:
			tb.Fatalf("%s exited with %d; stderr:\n%s", s.name, s.cmd.ProcessState.ExitCode(), s.stderr)
		default:
		}
		code, h, err := s.health()
		last = fmt.Sprintf("HTTP %d %+v %v", code, h, err)
		return err == nil && h.Status == "healthy"
	})
}

// kill ends the server with SIGKILL, as a crash would, and waits for it.
func (s *server) kill(tb testing.TB) {
	tb.Helper()
	if err := s.cmd.Process.Kill(); err != nil {
		tb.Fatal(err)
	}
	<-s.done
}

// healthReport is the part of /healthz this suite reads.
type healthReport struct {
	Status   string `json:"status"`
	Database struct {
		Status string `json:"status"`
	} `json:"database"`
	Pool struct {
		Acquired           int     `json:"acquired"`
		Max                int     `json:"max"`
		UtilizationPercent float64 `json:"utilization_percent"`
	} `json:"pool"`
}

func (s *server) health() (int, healthReport, error) {
	var h healthReport
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+s.addr+"/healthz", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, h, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, h, err
	}
	if err := json.Unmarshal(b, &h); err != nil {
		return resp.StatusCode, h, fmt.Errorf("/healthz: %v: %s", err, b)
	}
	return resp.StatusCode, h, nil
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

// session is one MCP client session over streamable HTTP, with an HTTP
// connection pool of its own, as an agent has.
type session struct {
	*mcptest.Session
}

// callTimeout bounds every call of the suite, so that a hang shows up as a
// failure instead of stalling it.
const callTimeout = 60 * time.Second

func connect(tb testing.TB, url string) *session {
	tb.Helper()
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4, IdleConnTimeout: time.Minute}}
	c := mcptest.Connect(tb, url, mcptest.Options{Transport: []transport.StreamableHTTPCOption{transport.WithHTTPBasicClient(hc)}})
	return &session{&mcptest.Session{T: tb, MCP: c, Timeout: callTimeout}}
}

// call makes a call and returns its result or the error of the transport.
func (s *session) call(name string, args map[string]any) (*mcp.CallToolResult, error) {
	return s.Call(name, args)
}

// ok makes a call that must succeed and returns its structured result.
func (s *session) ok(name string, args map[string]any) map[string]any {
	s.T.Helper()
	return s.OK(name, args)
}

// The mcptest helpers under the short names this suite uses.
var (
	text = mcptest.Text
	get  = mcptest.Get
	id   = mcptest.Num
)

// eventually polls cond for up to d; what says what went wrong.
func eventually(tb testing.TB, d time.Duration, what func() string, cond func() bool) {
	tb.Helper()
	mcptest.Eventually(tb, d, what, cond)
}

// syncBuffer is a bytes.Buffer safe for concurrent writes whose String is
// the last 4000 bytes, for messages.
type syncBuffer struct{ mcptest.SyncBuffer }

func (s *syncBuffer) String() string { return tail(s.SyncBuffer.String()) }

func tail(s string) string {
	if len(s) > 4000 {
		return "..." + s[len(s)-4000:]
	}
	return strings.TrimSpace(s)
}
