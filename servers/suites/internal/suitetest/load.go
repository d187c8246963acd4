package suitetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
)

// Call is one tool call of a load: the tool and its arguments.
type Call struct {
	Tool string
	Args map[string]any
}

// Outcome is what one call of a load gave.
type Outcome struct {
	Worker  int
	Call    Call
	Result  *mcp.CallToolResult // nil when Err is set
	Err     error               // the transport's error
	Latency time.Duration
}

// Think is a pause between a client's calls, drawn uniformly from Min to
// Max; the zero value sends the next call as soon as the last is answered.
type Think struct{ Min, Max time.Duration }

// ParseThink reads "MIN..MAX" (e.g. "50ms..150ms"), or one duration, or
// "0".
func ParseThink(s string) (Think, error) {
	lo, hi, ok := strings.Cut(s, "..")
	if !ok {
		hi = lo
	}
	a, err := time.ParseDuration(strings.TrimSpace(lo))
	if err != nil {
		return Think{}, fmt.Errorf("think time %q: %w", s, err)
	}
	b, err := time.ParseDuration(strings.TrimSpace(hi))
	if err != nil {
		return Think{}, fmt.Errorf("think time %q: %w", s, err)
	}
	if a < 0 || b < a {
		return Think{}, fmt.Errorf("think time %q: want 0 <= MIN <= MAX", s)
	}
	return Think{Min: a, Max: b}, nil
}

func (t Think) draw(rnd *rand.Rand) time.Duration {
	if t.Max <= t.Min {
		return t.Min
	}
	return t.Min + time.Duration(rnd.Int64N(int64(t.Max-t.Min)+1))
}

// Drive calls tools from one goroutine per client, each client with a
// keep-alive connection of its own, pausing think between calls, until ctx
// ends or each has made calls calls (calls <= 0: no limit). next picks a
// worker's next call; record receives every outcome, from the workers'
// goroutines (it must be safe for concurrent use). Drive returns when
// every worker has stopped.
//
// When ctx ends, the calls in flight are not abandoned: Drive waits for
// their answers (and records them), so that the load has ended on the
// servers too when it returns. Abandoned, they went on in the servers
// after Drive returned: the next measurement began with the tail of a
// saturated load (/healthz 170 ms late for the first 150 ms of a paced one).
func Drive(ctx context.Context, clients []*client.Client, calls int, think Think, next func(worker int, rnd *rand.Rand) Call, record func(Outcome)) {
	var wg sync.WaitGroup
	for w, c := range clients {
		wg.Go(func() {
			rnd := rand.New(rand.NewPCG(uint64(w), 0x5eed))
			for i := 0; calls <= 0 || i < calls; i++ {
				if d := think.draw(rnd); d > 0 && i > 0 {
					select {
					case <-ctx.Done():
					case <-time.After(d):
					}
				}
				if ctx.Err() != nil {
					return
				}
				call := next(w, rnd)
				start := time.Now()
				res, err := CallTool(context.WithoutCancel(ctx), c, call.Tool, call.Args)
				record(Outcome{Worker: w, Call: call, Result: res, Err: err, Latency: time.Since(start)})
			}
		})
	}
	wg.Wait()
}

// DialMany connects n clients of url, each over an HTTP transport of its
// own (one keep-alive connection per client, as separate agents would
// have). Close them with CloseAll.
func DialMany(ctx context.Context, url string, n int) ([]*client.Client, error) {
	cs := make([]*client.Client, 0, n)
	for range n {
		hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 2}}
		c, err := Dial(ctx, url, transport.WithHTTPBasicClient(hc))
		if err != nil {
			CloseAll(cs)
			return nil, err
		}
		cs = append(cs, c)
	}
	return cs, nil
}

// CloseAll closes clients.
func CloseAll(cs []*client.Client) {
	for _, c := range cs {
		c.Close()
	}
}

// NewHistogram returns a latency histogram from 1µs to 1 minute, in
// nanoseconds, with 3 significant digits. HdrHistogram is not safe for
// concurrent use: keep one per goroutine and Merge them.
func NewHistogram() *hdrhistogram.Histogram {
	return hdrhistogram.New(1_000, int64(time.Minute), 3)
}
