package observability_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/perfgate/perfgate/servers/suites/internal/suitetest"
)

// BenchmarkHealthzUnderLoad measures GET /healthz of one server while the
// clients call tools on both servers. One iteration is one round of load
// of OBSERVABILITY_DURATION; the latency figures are per probe, from its
// scheduled time (no coordinated omission), over every round.
func BenchmarkHealthzUnderLoad(b *testing.B) {
	for _, target := range []string{"codebase-mcp", "workflow-mcp"} {
		b.Run("server="+target, func(b *testing.B) {
			set := loadSettings(b)
			w := newWorld(b, set)
			l := newLoad(b, w, set.clients)
			s := w.cb
			if target == w.wf.Name {
				s = w.wf
			}
			merged := suitetest.NewHistogram()
			statuses := map[string]int{}
			var calls int
			var loadTime time.Duration
			b.ResetTimer()
			for range b.N {
				ctx, cancel := context.WithTimeout(context.Background(), set.duration)
				before := l.calls()
				start := time.Now()
				var wg sync.WaitGroup
				wg.Go(func() { l.run(ctx, 0) })
				h, st := probe(ctx, s.Base+"/healthz", set.probeInterval)
				wg.Wait()
				loadTime += time.Since(start)
				cancel()
				calls += l.calls() - before
				merged.Merge(h)
				for k, v := range st {
					statuses[k] += v
				}
			}
			b.StopTimer()
			if n := len(l.tally.failures); n > 0 {
				b.Errorf("%d tool calls of the load failed, e.g.: %s", n, strings.Join(l.tally.failures[:min(n, 5)], "; "))
			}
			if n := len(l.tally.unexpected); n > 0 {
				b.Logf("%d tool calls of the load got a tool error, e.g.: %s", n, strings.Join(l.tally.unexpected[:min(n, 3)], "; "))
			}
			if bad := probeFailures(statuses); bad > 0 {
				b.Errorf("%d of %d /healthz probes of %s got no health report: %v", bad, merged.TotalCount()+int64(statuses["error"]), target, statuses)
			}
			if merged.TotalCount() == 0 {
				b.Fatal("no /healthz probe completed")
			}
			b.ReportMetric(float64(merged.ValueAtQuantile(50)), "p50-ns/op")
			b.ReportMetric(float64(merged.ValueAtQuantile(95)), "p95-ns/op")
			b.ReportMetric(float64(merged.ValueAtQuantile(99)), "p99-ns/op")
			b.Logf("%s: %d /healthz probes %v; load: %d clients, %d tool calls, %.0f calls/s",
				target, merged.TotalCount(), statuses, set.clients, calls, float64(calls)/loadTime.Seconds())
		})
	}
}

// calls is how many calls the load has recorded.
func (l *load) calls() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.tally.n
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
