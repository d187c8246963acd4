package testserver_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
)

// clients is the concurrency of the benchmarks: 50 clients at once.
const clients = 50

// runConcurrently calls op b.N times in total from clients goroutines, one
// per client, and reports the latency's p50 and p99 (HdrHistogram, one per
// goroutine, merged) and the throughput in unit (e.g. "req/s").
//
// With every zero, each client sends its next request as soon as the last
// one is answered: the server is saturated, and the latency is mostly
// queueing. With every > 0, each client sends one request per interval, on
// a schedule, and the latency counts from the scheduled time, so a server
// that falls behind is charged for it (no coordinated omission).
func runConcurrently(b *testing.B, unit string, every time.Duration, op func(worker int) error) {
	b.Helper()
	hists := make([]*hdrhistogram.Histogram, clients)
	for i := range hists {
		hists[i] = hdrhistogram.New(1_000, int64(time.Minute), 3) // 1µs to 1min, in ns
	}
	var failed atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
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
	if n := failed.Load(); n > 0 {
		b.Fatalf("%d of %d operations failed, the first with: %v", n, b.N, firstErr.Load())
	}
	merged := hdrhistogram.New(1_000, int64(time.Minute), 3)
	for _, h := range hists {
		merged.Merge(h)
	}
	b.ReportMetric(float64(merged.ValueAtQuantile(50)), "p50-ns/op")
	b.ReportMetric(float64(merged.ValueAtQuantile(99)), "p99-ns/op")
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), unit)
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
			h := startServerLogging(b, nil, io.Discard, slog.LevelInfo)
			h.waitReady(b)
			hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}}
			defer hc.CloseIdleConnections()
			url := h.base + "/healthz"
			runConcurrently(b, "req/s", load.every, func(int) error {
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
	h := startServerLogging(b, nil, io.Discard, slog.LevelInfo)
	cs := make([]*client.Client, clients)
	for i := range cs {
		hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 2}}
		cs[i] = h.client(b, version, transport.WithHTTPBasicClient(hc))
	}
	req := mcp.CallToolRequest{Params: mcp.CallToolParams{Name: "echo", Arguments: map[string]any{"message": "ping"}}}
	runConcurrently(b, "calls/s", every, func(w int) error {
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
