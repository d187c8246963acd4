package observability_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/perfgate/perfgate/servers/suites/internal/suitetest"
)

// BenchmarkHealthzUnderLoad measures GET /healthz of one server while the
// clients call tools on both servers, in two loads: paced (each client
// pauses OBSERVABILITY_THINK between calls, 100ms..300ms by default: about
// half of what this 2-core machine serves at most) and saturated (each
// client calls again as soon as it is answered). One iteration is one round
// of load of OBSERVABILITY_DURATION; the latency figures are per probe,
// from its scheduled time (no coordinated omission), over every round. The
// servers and their data are set up, and warmed up, once for all the
// sub-benchmarks.
func BenchmarkHealthzUnderLoad(b *testing.B) {
	set := loadSettings(b)
	w := newWorld(b, set)
	l := newLoad(b, w, set.clients)
	// Warm up: the pools open their connections and PostgreSQL caches the
	// data, as on servers that have been running for a while.
	ctx, cancel := context.WithTimeout(context.Background(), warmUp)
	l.run(ctx, 0, suitetest.Think{})
	cancel()
	loads := []struct {
		name  string
		think suitetest.Think
	}{{"paced", set.think}, {"saturated", suitetest.Think{}}}
	for _, s := range []*suitetest.Server{w.cb, w.wf} {
		for _, ld := range loads {
			b.Run("server="+s.Name+"/load="+ld.name, func(b *testing.B) {
				benchHealthz(b, set, l, s, ld.think)
			})
		}
	}
}

// warmUp is how long the load runs before the measurements.
const warmUp = 2 * time.Second

func benchHealthz(b *testing.B, set settings, l *load, s *suitetest.Server, think suitetest.Think) {
	merged := suitetest.NewHistogram()
	statuses := map[string]int{}
	before := l.snapshot()
	var loadTime time.Duration
	b.ResetTimer()
	for range b.N {
		ctx, cancel := context.WithTimeout(context.Background(), set.duration)
		start := time.Now()
		var wg sync.WaitGroup
		wg.Go(func() { l.run(ctx, 0, think) })
		h, st := probe(ctx, s.Base+"/healthz", set.probeInterval)
		wg.Wait()
		loadTime += time.Since(start)
		cancel()
		merged.Merge(h)
		for k, v := range st {
			statuses[k] += v
		}
	}
	b.StopTimer()
	after := l.snapshot()
	if n := len(after.failures) - len(before.failures); n > 0 {
		b.Errorf("%d tool calls of the load failed, e.g.: %s", n, strings.Join(after.failures[len(before.failures):][:min(n, 5)], "; "))
	}
	if n := len(after.unexpected) - len(before.unexpected); n > 0 {
		b.Logf("%d tool calls of the load got a tool error, e.g.: %s", n, strings.Join(after.unexpected[len(before.unexpected):][:min(n, 3)], "; "))
	}
	if bad := probeFailures(statuses); bad > 0 {
		b.Errorf("%d of %d /healthz probes of %s got no health report: %v", bad, merged.TotalCount()+int64(statuses["error"]), s.Name, statuses)
	}
	if merged.TotalCount() == 0 {
		b.Fatal("no /healthz probe completed")
	}
	b.ReportMetric(float64(merged.ValueAtQuantile(50)), "p50-ns/op")
	b.ReportMetric(float64(merged.ValueAtQuantile(95)), "p95-ns/op")
	b.ReportMetric(float64(merged.ValueAtQuantile(99)), "p99-ns/op")
	calls := after.n - before.n
	b.Logf("%s: %d /healthz probes %v; load: %d clients, %d tool calls, %.0f calls/s",
		s.Name, merged.TotalCount(), statuses, set.clients, calls, float64(calls)/loadTime.Seconds())
}

// snapshot copies the tally's counts and lists (not the per-tool calls).
func (l *load) snapshot() tally {
	l.mu.Lock()
	defer l.mu.Unlock()
	return tally{n: l.tally.n, failures: slices.Clone(l.tally.failures), unexpected: slices.Clone(l.tally.unexpected)}
}

// probe GETs url every interval, open loop: each probe is sent at its
// scheduled time on a goroutine of its own, whether or not the previous
// ones were answered, so that a slow answer delays no other probe and the
// latency, counted from the scheduled time, charges the server for every
// stall. It runs until ctx ends and returns the latency histogram of the
// answered probes and the probes by outcome: "200 healthy", "503
// unhealthy"..., or "error" for a transport failure.
func probe(ctx context.Context, url string, interval time.Duration) (*hdrhistogram.Histogram, map[string]int) {
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}, Timeout: 10 * time.Second}
	defer hc.CloseIdleConnections()
	var mu sync.Mutex
	hist, outcomes := suitetest.NewHistogram(), map[string]int{}
	var wg sync.WaitGroup
	defer wg.Wait()
	for due := time.Now(); ; due = due.Add(interval) {
		select {
		case <-ctx.Done():
			return hist, outcomes
		case <-time.After(time.Until(due)):
		}
		wg.Go(func() {
			// A probe answered after the load ended still counts.
			code, body, err := suitetest.HTTPGet(context.WithoutCancel(ctx), hc, url)
			latency := time.Since(due)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				outcomes["error"]++
				return
			}
			hist.RecordValue(latency.Nanoseconds())
			outcomes[fmt.Sprintf("%d %s", code, healthStatus(body))]++
		})
	}
}

// healthStatus is the status field of a /healthz body.
func healthStatus(body []byte) string {
	var r struct {
		Status string `json:"status"`
	}
	if err := json.Unmarshal(body, &r); err != nil || r.Status == "" {
		return "unreadable"
	}
	return r.Status
}

// probeFailures counts the probes that got no health report: transport
// errors and unreadable bodies. A 503 with status unhealthy is a report:
// the runtime answers so above 95% pool use, which a load of as many
// clients as connections reaches; the statuses are logged.
func probeFailures(statuses map[string]int) int {
	bad := 0
	for k, v := range statuses {
		if k == "error" || strings.HasSuffix(k, " unreadable") {
			bad += v
		}
	}
	return bad
}
