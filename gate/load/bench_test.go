package load

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"syscall"
	"testing"
	"time"

	"github.com/perfgate/perfgate/gate/load/loadtest"
)

// serveEnv makes the test binary a no-op loadtest server: the driver's
// benchmark runs the server in a process of its own, so that the CPU and
// memory measured in the benchmark's process are the driver's alone.
const serveEnv = "PERFGATE_LOADTEST_SERVE"

func TestMain(m *testing.M) {
	if os.Getenv(serveEnv) == "1" {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Println(ln.Addr())
		if err := loadtest.Serve(ln, loadtest.Options{}); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// startServer runs a no-op loadtest server in a child process and returns
// its MCP URL; the process is killed when the benchmark ends.
func startServer(b *testing.B) string {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$", "-test.bench=^$")
	cmd.Env = append(os.Environ(), serveEnv+"=1")
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	addr, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		b.Fatalf("read the server's address: %v", err)
	}
	return "http://" + addr[:len(addr)-1] + "/mcp"
}

// BenchmarkDriver measures the driver's own cost: 50 clients without think
// time against a no-op server in another process. It reports the calls per
// second it pushes, its CPU time and allocations per call, and its live
// heap at the end of a round (clients, sessions and histograms), with the
// garbage collector's default target and with the one `perfgate load`
// sets (the driver's allocations are mostly mcp-go's and net/http's, and
// collecting them is a large share of its CPU time).
func BenchmarkDriver(b *testing.B) {
	url := startServer(b)
	for _, gogc := range []int{100, 400} {
		b.Run(fmt.Sprintf("gogc=%d", gogc), func(b *testing.B) {
			defer debug.SetGCPercent(debug.SetGCPercent(gogc))
			benchmarkDriver(b, url)
		})
	}
}

func benchmarkDriver(b *testing.B, url string) {
	const clients = 50
	s, err := NewScenario("workflow-mix", ScenarioConfig{})
	if err != nil {
		b.Fatal(err)
	}
	var (
		calls        int64
		elapsed      time.Duration
		cpu          time.Duration
		allocBytes   uint64
		allocs       uint64
		heapAtRounds uint64
	)
	for b.Loop() {
		var heap uint64
		cfg := Config{
			URL: url, Scenario: s, Clients: clients, Duration: time.Second, Rounds: 1,
			OnRound: func(Round) {
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				heap = ms.HeapAlloc
			},
		}
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		c0 := cpuTime()
		res, err := Run(b.Context(), cfg)
		if err != nil {
			b.Fatal(err)
		}
		cpu += cpuTime() - c0
		runtime.ReadMemStats(&m1)
		n, _ := res.Calls()
		calls += n
		elapsed += cfg.Duration
		allocBytes += m1.TotalAlloc - m0.TotalAlloc
		allocs += m1.Mallocs - m0.Mallocs
		heapAtRounds = max(heapAtRounds, heap)
	}
	b.ReportMetric(float64(calls)/elapsed.Seconds(), "calls/s")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(calls), "cpu-ns/call")
	b.ReportMetric(float64(allocBytes)/float64(calls), "B/call")
	b.ReportMetric(float64(allocs)/float64(calls), "allocs/call")
	b.ReportMetric(float64(heapAtRounds), "heap-B")
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
