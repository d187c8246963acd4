package health_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/perfgate/perfgate/servers/internal/health"
	"github.com/perfgate/perfgate/servers/internal/pgdb"
)

// fakeDB is a hand-written health.Database whose ping takes a fixed time on
// a fake clock.
type fakeDB struct {
	mu      sync.Mutex // guards pingErr
	clock   *fakeClock
	pingErr error
	pingFor time.Duration
	stats   pgdb.Stats
	pings   atomic.Int32
	block   chan struct{} // when set, Ping waits for it
}

var _ health.Database = (*fakeDB)(nil)

func (f *fakeDB) Ping(ctx context.Context) (time.Duration, error) {
	f.pings.Add(1)
	if f.block != nil {
		<-f.block
	}
	f.clock.advance(f.pingFor)
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.pingFor, f.pingErr
}

func (f *fakeDB) Stats() pgdb.Stats { return f.stats }

type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func pool(acquired, max int32) pgdb.Stats {
	return pgdb.Stats{Ready: true, MaxConns: max, AcquiredConns: acquired, IdleConns: 1, TotalConns: acquired + 1}
}

func TestStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		pingErr error
		pingFor time.Duration
		stats   pgdb.Stats
		want    health.Status
		code    int
		reason  string
	}{
		{"idle", nil, time.Millisecond, pool(0, 10), health.Healthy, 200, ""},
		{"80% is still healthy", nil, time.Millisecond, pool(8, 10), health.Healthy, 200, ""},
		{"over 80%", nil, time.Millisecond, pool(9, 10), health.Degraded, 200, "90% in use, over 80%"},
		{"slow ping", nil, 150 * time.Millisecond, pool(1, 10), health.Degraded, 200, "ping 150ms is over 100ms"},
		{"over 95%", nil, time.Millisecond, pool(20, 20), health.Unhealthy, 503, "100% in use, over 95%"},
		{"unreachable", errors.New("dial tcp: connection refused"), 0, pool(0, 10), health.Unhealthy, 503, "unreachable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clock := &fakeClock{now: time.Unix(1000, 0)}
			db := &fakeDB{clock: clock, pingErr: tt.pingErr, pingFor: tt.pingFor, stats: tt.stats}
			c := health.New(db, health.Options{Version: "v9", Now: clock.Now})
			clock.advance(90 * time.Second)

			rec := httptest.NewRecorder()
			c.ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
			if rec.Code != tt.code || rec.Header().Get("Content-Type") != "application/json" {
				t.Fatalf("HTTP %d %s, want %d application/json", rec.Code, rec.Header().Get("Content-Type"), tt.code)
			}
			var r health.Report
			if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
				t.Fatal(err)
			}
			if r.Status != tt.want {
				t.Fatalf("status %s, want %s: %+v", r.Status, tt.want, r)
			}
			if tt.reason != "" && !strings.Contains(strings.Join(r.Reasons, "; "), tt.reason) {
				t.Fatalf("reasons %q, want one with %q", r.Reasons, tt.reason)
			}
			if r.Version != "v9" || r.UptimeSeconds != 90+tt.pingFor.Seconds() || r.Pool.Max != tt.stats.MaxConns || r.Pool.Acquired != tt.stats.AcquiredConns {
				t.Fatalf("report %+v does not carry the version, uptime and pool", r)
			}
			if (tt.pingErr != nil) != (r.Database.Status == "down" && r.Database.Error != "") {
				t.Fatalf("database %+v, ping error %v", r.Database, tt.pingErr)
			}
			if tt.pingErr == nil && r.Database.PingMS != float64(tt.pingFor.Milliseconds()) {
				t.Fatalf("ping_ms %v, want %v", r.Database.PingMS, tt.pingFor.Milliseconds())
			}
		})
	}
}

// The JSON field names are the contract with whoever polls /healthz.
func TestReportFields(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{now: time.Unix(0, 0)}
	c := health.New(&fakeDB{clock: clock, stats: pool(1, 4)}, health.Options{Now: clock.Now})
	b, err := json.Marshal(c.Check(t.Context()))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"status":"healthy","database":{"status":"up","ping_ms":0},"pool":{"size":2,"acquired":1,"idle":1,"max":4,"utilization_percent":25},"uptime_seconds":0,"version":""}`
	if string(b) != want {
		t.Fatalf("report\n got %s\nwant %s", b, want)
	}
}

func TestConcurrentChecksShareOnePing(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{now: time.Unix(0, 0)}
	db := &fakeDB{clock: clock, stats: pool(0, 4), block: make(chan struct{})}
	c := health.New(db, health.Options{MaxAge: -1, Now: clock.Now})
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if r := c.Check(t.Context()); r.Status != health.Healthy {
				t.Errorf("status %s", r.Status)
			}
		})
	}
	for db.pings.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond) // let the others join the ping in flight
	close(db.block)
	wg.Wait()
	if n := db.pings.Load(); n > 2 {
		t.Fatalf("%d pings for 20 concurrent checks, want them shared", n)
	}
}

func TestMaxAgeReusesPing(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{now: time.Unix(0, 0)}
	db := &fakeDB{clock: clock, stats: pool(0, 4)}
	c := health.New(db, health.Options{MaxAge: time.Second, Now: clock.Now})
	c.Check(t.Context())
	c.Check(t.Context())
	if n := db.pings.Load(); n != 1 {
		t.Fatalf("%d pings within MaxAge, want 1", n)
	}

	// Past MaxAge: the stale result is served at once, and a ping in the
	// background finds the database gone.
	clock.advance(time.Second)
	db.mu.Lock()
	db.pingErr = errors.New("gone")
	db.mu.Unlock()
	if r := c.Check(t.Context()); r.Status != health.Healthy {
		t.Fatalf("status %s, want the stale healthy result while refreshing", r.Status)
	}
	deadline := time.Now().Add(5 * time.Second)
	for c.Check(t.Context()).Status != health.Unhealthy {
		if time.Now().After(deadline) {
			t.Fatal("the background ping never reported the database gone")
		}
		time.Sleep(time.Millisecond)
	}

	// Past three times MaxAge, a check waits for a fresh ping.
	clock.advance(3 * time.Second)
	db.mu.Lock()
	db.pingErr = nil
	db.mu.Unlock()
	before := db.pings.Load()
	if r := c.Check(t.Context()); r.Status != health.Healthy || db.pings.Load() != before+1 {
		t.Fatalf("status %s after %d pings: want a fresh ping that finds the database back", r.Status, db.pings.Load()-before)
	}
}

// A failed ping is not reused: the check after the database is back says
// healthy, even within MaxAge.
func TestFailedPingIsNotReused(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{now: time.Unix(0, 0)}
	db := &fakeDB{clock: clock, stats: pool(0, 4), pingErr: errors.New("not ready")}
	c := health.New(db, health.Options{MaxAge: time.Second, Now: clock.Now})
	if r := c.Check(t.Context()); r.Status != health.Unhealthy {
		t.Fatalf("status %s with the database not ready, want unhealthy", r.Status)
	}
	db.mu.Lock()
	db.pingErr = nil
	db.mu.Unlock()
	if r := c.Check(t.Context()); r.Status != health.Healthy || db.pings.Load() != 2 {
		t.Fatalf("status %s after %d pings once the database is ready, want healthy from a fresh ping", r.Status, db.pings.Load())
	}
}

func TestHandlerMethod(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{now: time.Unix(0, 0)}
	srv := httptest.NewServer(health.New(&fakeDB{clock: clock, stats: pool(0, 4)}, health.Options{Now: clock.Now}))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("HTTP %d, Cache-Control %q", resp.StatusCode, resp.Header.Get("Cache-Control"))
	}
}
