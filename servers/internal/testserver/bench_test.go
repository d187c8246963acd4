package testserver_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/perfgate/perfgate/internal/pgtest"
)

// clients is the concurrency of the benchmarks: 50 clients at once.
const clients = 50

// The benchmarks run the server as a process of its own (this test binary
// re-executed as the test server's main, logging at info to a pipe), as it
// runs in production, so that the clients' CPU, garbage collector and
// scheduler are not the server's; they still share the machine's cores.
// Besides latency and throughput they report the CPU time per request of
// the server process and of this process (the clients).
//
//	go test -run '^$' -bench 'Healthz|ToolCall' ./servers/internal/testserver
//
// TESTSERVER_BENCH_INPROCESS=1 serves from this process instead, as the
// first measurements did (server-cpu-ns/op is then the whole process's);
// TESTSERVER_BENCH_CPUPROFILE=file has the server process write a CPU
// profile to file.
const inProcessEnv = "TESTSERVER_BENCH_INPROCESS"

// cpuProfileEnv names a file the server process writes a CPU profile of
// its run to (select one sub-benchmark with -bench).
const cpuProfileEnv = "TESTSERVER_BENCH_CPUPROFILE"

// benchServer is the server a benchmark drives.
type benchServer struct {
	base string // http://127.0.0.1:port
	pid  int    // the server's process
}

// startBenchServer starts the test server for a benchmark and waits until
// it reports healthy.
func startBenchServer(b *testing.B) *benchServer {
	b.Helper()
	if os.Getenv(inProcessEnv) == "1" {
		h := startServerLogging(b, nil, io.Discard, slog.LevelInfo)
		h.waitReady(b)
		return &benchServer{base: h.base, pid: os.Getpid()}
	}
	args := []string{"--transport", "http", "--addr", "127.0.0.1:0", "--db-url", pgtest.URL(b), "--log-level", "info"}
	if file := os.Getenv(cpuProfileEnv); file != "" {
		args = append(args, "--cpuprofile", file)
	}
	p := startProcess(b, args...)
	// Stop it gracefully, before startProcess's cleanup kills it, so that
	// it writes its CPU profile.
	b.Cleanup(func() {
		p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(20 * time.Second):
			b.Errorf("the server did not stop within 20s of SIGTERM")
		}
	})
	s := &benchServer{base: "http://" + p.addr(b), pid: p.cmd.Process.Pid}
	eventually(b, 30*time.Second, "the server never reported healthy:\n"+p.stderr.String(), func() bool {
		resp, err := http.Get(s.base + "/healthz")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		var r struct {
			Status string `json:"status"`
		}
		return json.NewDecoder(resp.Body).Decode(&r) == nil && r.Status == "healthy"
	})
	return s
}

// cpuNow returns the CPU time consumed so far by the server and by this
// process, in nanoseconds.
func (s *benchServer) cpuNow() (server, self int64) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
		self = ru.Utime.Nano() + ru.Stime.Nano()
	}
	if s.pid == os.Getpid() {
		return self, self
	}
	return procCPU(s.pid), self
}

// procCPU is the user and system CPU time of process pid, from
// /proc/<pid>/stat, in nanoseconds; 0 when unreadable.
func procCPU(pid int) int64 {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	_, rest, ok := strings.Cut(string(stat), ") ") // after the command name
	if !ok {
		return 0
	}
	fields := strings.Fields(rest)
	if len(fields) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(fields[11], 10, 64)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	const tick = int64(time.Second / 100) // USER_HZ
	return (utime + stime) * tick
}

// runConcurrently calls op b.N times in total from clients goroutines, one
// per client, and reports the latency's p50 and p99 (HdrHistogram, one per
// goroutine, merged) and the throughput in unit (e.g. "req/s").
//
// With every zero, each client sends its next request as soon as the last
// one is answered: the server is saturated, and the latency is mostly
// queueing. With every > 0, each client sends one request per interval, on
// a schedule, and the latency counts from the scheduled time, so a server
// that falls behind is charged for it (no coordinated omission).
func runConcurrently(b *testing.B, srv *benchServer, unit string, every time.Duration, op func(worker int) error) {
	b.Helper()
	hists := make([]*hdrhistogram.Histogram, clients)
	for i := range hists {
		hists[i] = hdrhistogram.New(1_000, int64(time.Minute), 3) // 1µs to 1min, in ns
	}
	var failed atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	serverCPU0, selfCPU0 := srv.cpuNow()
	b.ResetTimer()
	start := time.Now()
	for w := range clients {
		n := b.N / clients
		if w < b.N%clients {
			n++
		}
		wg.Go(func() {
			h := hists[w]
			// Spread the clients' schedules over the interval.
			due := start.Add(time.Duration(w) * every / clients)
			for range n {
				t0 := time.Now()
				if every > 0 {
					time.Sleep(time.Until(due))
					t0 = due
					due = due.Add(every)
				}
				if err := op(w); err != nil {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, err)
					continue
				}
				h.RecordValue(time.Since(t0).Nanoseconds())
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	serverCPU1, selfCPU1 := srv.cpuNow()
	if n := failed.Load(); n > 0 {
		b.Fatalf("%d of %d operations failed, the first with: %v", n, b.N, firstErr.Load())
	}
	merged := hdrhistogram.New(1_000, int64(time.Minute), 3)
	for _, h := range hists {
		merged.Merge(h)
	}
	b.ReportMetric(float64(merged.ValueAtQuantile(50)), "p50-ns/op")
	b.ReportMetric(float64(merged.ValueAtQuantile(95)), "p95-ns/op")
	b.ReportMetric(float64(merged.ValueAtQuantile(99)), "p99-ns/op")
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), unit)
	// CPU per request: /proc counts in 10ms ticks, so use thousands of
	// requests. In process, both are the whole process's.
	b.ReportMetric(float64(serverCPU1-serverCPU0)/float64(b.N), "server-cpu-ns/op")
	if srv.pid != os.Getpid() {
		b.ReportMetric(float64(selfCPU1-selfCPU0)/float64(b.N), "client-cpu-ns/op")
	}
}

// loads are the ways the benchmarks drive the server: saturated (each
// client sends as soon as it has its answer: the throughput, and latency
// that is mostly queueing) and paced (each client sends every 50ms, 1,000
// requests a second in all: the latency of a server under load but not
// overloaded, on a 2-core machine).
var loads = []struct {
	name  string
	every time.Duration
}{
	{"load=saturated", 0},
	{"load=1000rps", 50 * time.Millisecond},
}

// BenchmarkHealthz is GET /healthz from 50 concurrent clients, each with
// its own keep-alive connection.
func BenchmarkHealthz(b *testing.B) {
	for _, load := range loads {
		b.Run(load.name, func(b *testing.B) {
			srv := startBenchServer(b)
			hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}}
			defer hc.CloseIdleConnections()
			url := srv.base + "/healthz"
			runConcurrently(b, srv, "req/s", load.every, func(int) error {
				resp, err := hc.Get(url)
				if err != nil {
					return err
				}
				_, err = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if err == nil && resp.StatusCode != http.StatusOK {
					return &statusError{resp.StatusCode}
				}
				return err
			})
		})
	}
}

// BenchmarkToolCall is a trivial tool call (echo) over streamable HTTP
// from 50 concurrent MCP clients, each with a connection of its own, on the
// stateless protocol and on the session one.
func BenchmarkToolCall(b *testing.B) {
	for _, load := range loads {
		for _, version := range []string{mcp.ProtocolVersion20260728, mcp.ProtocolVersion20251125} {
			b.Run(load.name+"/protocol="+version, func(b *testing.B) {
				benchToolCall(b, version, load.every)
			})
		}
	}
}

func benchToolCall(b *testing.B, version string, every time.Duration) {
	srv := startBenchServer(b)
	cs := make([]*client.Client, clients)
	for i := range cs {
		hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 2}}
		cs[i] = connect(b, srv.base+"/mcp", version, transport.WithHTTPBasicClient(hc))
	}
	req := mcp.CallToolRequest{Params: mcp.CallToolParams{Name: "echo", Arguments: map[string]any{"message": "ping"}}}
	runConcurrently(b, srv, "calls/s", every, func(w int) error {
		res, err := cs[w].CallTool(context.Background(), req)
		if err == nil && res.IsError {
			return &toolError{text(res)}
		}
		return err
	})
}

type statusError struct{ code int }

func (e *statusError) Error() string { return http.StatusText(e.code) }

type toolError struct{ msg string }

func (e *toolError) Error() string { return e.msg }
