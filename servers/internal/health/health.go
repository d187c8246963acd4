package health

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"sync"
	"time"

	"github.com/perfgate/perfgate/servers/internal/pgdb"
)

// Status is the overall verdict of a check.
type Status string

// The statuses, from best to worst.
const (
	Healthy   Status = "healthy"
	Degraded  Status = "degraded"
	Unhealthy Status = "unhealthy"
)

// Thresholds decide the status from the pool and the database ping.
type Thresholds struct {
	// DegradedUtilization and UnhealthyUtilization are pool use, in percent,
	// above which the server is degraded or unhealthy (defaults 80 and 95).
	DegradedUtilization, UnhealthyUtilization float64
	// DegradedPing is the ping latency above which the server is degraded
	// (default 100ms).
	DegradedPing time.Duration
}

// DefaultThresholds are the thresholds of the issue that specified them:
// degraded above 80% pool use or a 100ms ping, unhealthy above 95%.
var DefaultThresholds = Thresholds{DegradedUtilization: 80, UnhealthyUtilization: 95, DegradedPing: 100 * time.Millisecond}

// Database is what a Checker checks: *pgdb.DB.
type Database interface {
	// Ping checks the database without using the pool, within its own
	// bound, returns the round trip, and fails while the database is
	// unreachable or not ready.
	Ping(ctx context.Context) (time.Duration, error)
	// Stats does not block.
	Stats() pgdb.Stats
}

// Options configures a Checker; zero fields take their defaults.
type Options struct {
	// Version is reported as is.
	Version string
	// MaxAge is how long a successful ping is reused (default 1s), so that
	// a burst of checks pings once; up to three times as long, it is still
	// served while a fresh ping is taken in the background. A failed ping
	// is never reused. Negative: every check waits for a ping (shared by
	// the checks that arrive meanwhile).
	MaxAge time.Duration
	// Thresholds default to DefaultThresholds.
	Thresholds Thresholds
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Report is the outcome of a check, as /healthz and health://status serve
// it.
type Report struct {
	Status        Status         `json:"status"`
	Reasons       []string       `json:"reasons,omitempty"` // why not healthy
	Database      DatabaseReport `json:"database"`
	Pool          PoolReport     `json:"pool"`
	UptimeSeconds float64        `json:"uptime_seconds"`
	Version       string         `json:"version"`
}

// DatabaseReport is the result of the ping.
type DatabaseReport struct {
	Status string  `json:"status"` // "up" or "down"
	PingMS float64 `json:"ping_ms"`
	Error  string  `json:"error,omitempty"`
}

// PoolReport is the state of the connection pool.
type PoolReport struct {
	Size               int32   `json:"size"` // open connections
	Acquired           int32   `json:"acquired"`
	Idle               int32   `json:"idle"`
	Max                int32   `json:"max"`
	UtilizationPercent float64 `json:"utilization_percent"`
}

// Checker computes Reports. It is safe for concurrent use, and an
// http.Handler for /healthz: 200 when healthy or degraded, 503 when
// unhealthy.
type Checker struct {
	db      Database
	o       Options
	started time.Time

	mu       sync.Mutex
	last     *pingResult
	inflight chan struct{}
}

type pingResult struct {
	at      time.Time
	latency time.Duration
	err     error
}

// New returns a Checker of db.
func New(db Database, o Options) *Checker {
	if o.MaxAge == 0 {
		o.MaxAge = time.Second
	}
	if o.Thresholds == (Thresholds{}) {
		o.Thresholds = DefaultThresholds
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Checker{db: db, o: o, started: o.Now()}
}

// Check returns the current report. It waits at most for one ping, which
// the Database bounds, and never for the pool.
func (c *Checker) Check(ctx context.Context) Report {
	p := c.ping(ctx)
	st := c.db.Stats()
	r := Report{
		Status:        Healthy,
		Database:      DatabaseReport{Status: "up", PingMS: round(float64(p.latency.Microseconds()) / 1000)},
		UptimeSeconds: round(c.o.Now().Sub(c.started).Seconds()),
		Version:       c.o.Version,
		Pool: PoolReport{
			Size:               st.TotalConns,
			Acquired:           st.AcquiredConns,
			Idle:               st.IdleConns,
			Max:                st.MaxConns,
			UtilizationPercent: round(st.UtilizationPercent()),
		},
	}
	worsen := func(s Status, reason string) {
		if rank(s) > rank(r.Status) {
			r.Status = s
		}
		r.Reasons = append(r.Reasons, reason)
	}
	th := c.o.Thresholds
	if p.err != nil {
		r.Database.Status = "down"
		r.Database.Error = p.err.Error()
		worsen(Unhealthy, "the database is unreachable or not ready")
	} else if p.latency > th.DegradedPing {
		worsen(Degraded, fmt.Sprintf("database ping %s is over %s", p.latency.Round(time.Millisecond), th.DegradedPing))
	}
	switch u := st.UtilizationPercent(); {
	case u > th.UnhealthyUtilization:
		worsen(Unhealthy, fmt.Sprintf("connection pool %.0f%% in use, over %.0f%%", u, th.UnhealthyUtilization))
	case u > th.DegradedUtilization:
		worsen(Degraded, fmt.Sprintf("connection pool %.0f%% in use, over %.0f%%", u, th.DegradedUtilization))
	}
	return r
}

// ping returns a ping result without waiting for the database when it
// can: a result younger than MaxAge is served as is; one younger than
// staleFactor×MaxAge is served while a background ping refreshes it; only
// without a usable result does the check wait, for a ping that all the
// checks arriving meanwhile share.
func (c *Checker) ping(ctx context.Context) pingResult {
	c.mu.Lock()
	// Only a successful ping is reused: a failure is rechecked at the next
	// check, so that the report turns healthy as soon as the database is
	// back (at startup, once migrations are done), not up to MaxAge later.
	// One ping is in flight at a time however often the checks come.
	if c.last != nil && c.last.err == nil && c.o.MaxAge > 0 {
		age := c.o.Now().Sub(c.last.at)
		if age < c.o.MaxAge {
			r := *c.last
			c.mu.Unlock()
			return r
		}
		if age < staleFactor*c.o.MaxAge {
			r := *c.last
			if c.inflight == nil {
				c.startPing()
			}
			c.mu.Unlock()
			return r
		}
	}
	ch := c.inflight
	if ch == nil {
		ch = c.startPing()
	}
	c.mu.Unlock()
	select {
	case <-ch:
		c.mu.Lock()
		defer c.mu.Unlock()
		return *c.last
	case <-ctx.Done():
		return pingResult{err: fmt.Errorf("health check abandoned: %w", ctx.Err())}
	}
}

// staleFactor bounds how old a ping result may be and still be served
// while a fresh one is taken.
const staleFactor = 3

// startPing pings in the background and returns the channel closed when
// the result is in. c.mu must be held.
func (c *Checker) startPing() chan struct{} {
	ch := make(chan struct{})
	c.inflight = ch
	go func() {
		// No caller's context: the ping is shared, and the Database bounds it.
		rtt, err := c.db.Ping(context.Background())
		r := pingResult{at: c.o.Now(), latency: rtt, err: err}
		c.mu.Lock()
		c.last = &r
		c.inflight = nil
		close(ch)
		c.mu.Unlock()
	}()
	return ch
}

// ServeHTTP writes the report as JSON: 503 when unhealthy, 200 otherwise.
func (c *Checker) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rep := c.Check(r.Context())
	body, err := json.Marshal(rep)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if rep.Status == Unhealthy {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	w.Write(append(body, '\n'))
}

func rank(s Status) int {
	switch s {
	case Degraded:
		return 1
	case Unhealthy:
		return 2
	}
	return 0
}

func round(v float64) float64 { return math.Round(v*1000) / 1000 }
