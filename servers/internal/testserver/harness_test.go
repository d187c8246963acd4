package testserver_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/perfgate/perfgate/internal/pgtest"
	"github.com/perfgate/perfgate/servers/internal/mcpserver"
	"github.com/perfgate/perfgate/servers/internal/mcptest"
	"github.com/perfgate/perfgate/servers/internal/testserver"
)

// slack is what a bounded wait may overrun its bound by on a busy machine.
const slack = time.Second

// mainEnv makes the test binary run the test server's main instead of the
// tests, so that tests can start it as a process of its own.
const mainEnv = "TESTSERVER_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(mainEnv) == "1" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		err := testserver.Main(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
		stop()
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", testserver.Name, err)
		}
		os.Exit(mcpserver.ExitCode(err))
	}
	os.Exit(m.Run())
}

// harness is a test server serving HTTP in this process.
type harness struct {
	srv  *mcpserver.Server
	base string // http://127.0.0.1:port
	logs *syncBuffer
}

// startServer serves the test server over HTTP on a free port until the
// test ends. Without a db-url set by mutate, it gets a database of its own.
func startServer(t testing.TB, mutate func(*mcpserver.Config)) *harness {
	t.Helper()
	logs := &syncBuffer{}
	h := startServerLogging(t, mutate, logs, -8) // every level
	h.logs = logs
	return h
}

// startServerLogging is startServer with the JSON log written to w.
func startServerLogging(t testing.TB, mutate func(*mcpserver.Config), w io.Writer, level slog.Level) *harness {
	t.Helper()
	cfg := testserver.Config()
	cfg.Transport = mcpserver.TransportHTTP
	cfg.Addr = "127.0.0.1:0"
	if mutate != nil {
		mutate(&cfg)
	}
	if cfg.DB.URL == "" {
		cfg.DB.URL = pgtest.URL(t)
	}
	srv, err := testserver.New(cfg, mcpserver.Options{Logger: mcpserver.NewLogger(w, level)})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := srv.Listen()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-served; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return &harness{srv: srv, base: "http://" + ln.Addr().String()}
}

// waitReady waits until the server's database is ready.
func (h *harness) waitReady(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := h.srv.DB().WaitReady(ctx); err != nil {
		t.Fatalf("database not ready: %v", err)
	}
}

// client connects an MCP client over streamable HTTP; version "" lets it
// negotiate the newest protocol.
func (h *harness) client(t testing.TB, version string, opts ...transport.StreamableHTTPCOption) *client.Client {
	t.Helper()
	return connect(t, h.base+"/mcp", version, opts...)
}

// connect connects an MCP client of url that asks for version ("" the
// newest) and pins it.
func connect(t testing.TB, url, version string, opts ...transport.StreamableHTTPCOption) *client.Client {
	t.Helper()
	o := mcptest.Options{ProtocolVersion: version, Transport: opts}
	if version != "" {
		o.Client = append(o.Client, client.WithProtocolVersion(version))
	}
	return mcptest.Connect(t, url, o)
}

// call calls a tool; a transport failure fails the test.
func call(t testing.TB, c *client.Client, name string, args map[string]any) *mcp.CallToolResult {
	t.Helper()
	return (&mcptest.Session{T: t, MCP: c}).MustCall(name, args)
}

// text is the first text content of a result.
var text = mcptest.Text

// get fetches a path of the server and returns the status and body.
func (h *harness) get(t testing.TB, path string) (int, []byte) {
	t.Helper()
	resp, err := http.Get(h.base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

type healthReport struct {
	Status   string `json:"status"`
	Database struct {
		Status string  `json:"status"`
		PingMS float64 `json:"ping_ms"`
		Error  string  `json:"error"`
	} `json:"database"`
	Pool struct {
		Size               int     `json:"size"`
		Acquired           int     `json:"acquired"`
		Max                int     `json:"max"`
		UtilizationPercent float64 `json:"utilization_percent"`
	} `json:"pool"`
	UptimeSeconds float64 `json:"uptime_seconds"`
	Version       string  `json:"version"`
}

func (h *harness) health(t testing.TB) (int, healthReport) {
	t.Helper()
	code, body := h.get(t, "/healthz")
	var r healthReport
	if err := json.Unmarshal(body, &r); err != nil {
		t.Fatalf("/healthz: %v: %s", err, body)
	}
	return code, r
}

// eventually polls cond for up to d.
func eventually(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	mcptest.Eventually(t, d, func() string { return fmt.Sprintf("after %s: %s", d, what) }, cond)
}

type logLine struct {
	Level     string   `json:"level"`
	Msg       string   `json:"msg"`
	RequestID string   `json:"request_id"`
	Tool      string   `json:"tool"`
	LatencyMS *float64 `json:"latency_ms"`
	Outcome   string   `json:"outcome"`
	Error     string   `json:"error"`
}

// callLines returns the log's "tool call" lines; every line must be JSON.
func callLines(t testing.TB, logs string) []logLine {
	t.Helper()
	var out []logLine
	sc := bufio.NewScanner(strings.NewReader(logs))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var l logLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("log line is not JSON: %q", sc.Text())
		}
		if l.Msg == "tool call" {
			out = append(out, l)
		}
	}
	return out
}

// process is the test server running as a process of its own.
type process struct {
	cmd    *exec.Cmd
	stderr *syncBuffer
	done   chan struct{}
	err    error
}

// startProcess runs the test server's main in a child process.
func startProcess(t testing.TB, args ...string) *process {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, args...)
	cmd.Env = append(os.Environ(), mainEnv+"=1")
	p := &process{cmd: cmd, stderr: &syncBuffer{}, done: make(chan struct{})}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.err = cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-p.done
	})
	return p
}

// wait waits for the process to exit and returns its exit code.
func (p *process) wait(t testing.TB, d time.Duration) int {
	t.Helper()
	select {
	case <-p.done:
		return p.cmd.ProcessState.ExitCode()
	case <-time.After(d):
		t.Fatalf("the server did not exit within %s; stderr:\n%s", d, p.stderr)
		return -1
	}
}

var servingAddr = regexp.MustCompile(`"msg":"serving","transport":"http","addr":"([^"]+)"`)

// addr waits for the process's "serving" log line and returns its address.
func (p *process) addr(t testing.TB) string {
	t.Helper()
	var addr string
	eventually(t, 30*time.Second, "no serving line in the log:\n"+p.stderr.String(), func() bool {
		if m := servingAddr.FindStringSubmatch(p.stderr.String()); m != nil {
			addr = m[1]
			return true
		}
		select {
		case <-p.done:
			t.Fatalf("the server exited: %v\n%s", p.err, p.stderr)
		default:
		}
		return false
	})
	return addr
}

type syncBuffer = mcptest.SyncBuffer
