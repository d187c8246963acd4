package pgdb_test

import (
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/perfgate/perfgate/internal/pgtest"
	"github.com/perfgate/perfgate/servers/internal/pgdb"
)

// An acquire that times out while the pool is still opening a connection
// (a loaded machine, a slow handshake) is busy when the database answers,
// and unavailable only once connecting has actually failed. The connects
// go through a proxy that holds them, so the timing is the test's, not the
// machine's.
func TestTimeoutWhileConnecting(t *testing.T) {
	t.Parallel()
	const timeout = 300 * time.Millisecond
	proxy := newHoldingProxy(t, pgtest.URL(t))
	db := open(t, pgdb.Config{URL: proxy.url, MaxConns: 1, AcquireTimeout: timeout, ConnectTimeout: time.Minute})
	waitReady(t, db) // start-up connects through the proxy, which passes it
	if st := db.Stats(); st.TotalConns != 0 {
		t.Fatalf("stats %+v: want an empty pool after start-up", st)
	}

	proxy.setHold(true)
	// Two calls at once: one opens the pool's only connection, which the
	// proxy holds; the other waits for it. Both time out busy.
	errs := make(chan error, 2)
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			conn, err := db.Acquire(t.Context())
			if err == nil {
				conn.Release()
			}
			errs <- err
		})
	}
	held := proxy.nextHeld(t)
	wg.Wait()
	close(errs)
	for err := range errs {
		if !errors.Is(err, pgdb.ErrBusy) {
			t.Fatalf("Acquire while the pool opens a connection to a reachable database = %v, want ErrBusy", err)
		}
		var pe *pgdb.Error
		if !errors.As(err, &pe) || !strings.Contains(pe.UserMessage(), "still opening") || !strings.Contains(pe.UserMessage(), "retry") {
			t.Fatalf("busy error %q: want it to say a connection was still opening and to retry", err)
		}
	}
	if st := db.Stats(); st.ConstructingConns != 1 || st.BusyCount != 2 || st.UnavailableCount != 0 {
		t.Fatalf("stats %+v: want 1 connection opening, 2 busy rejections, none unavailable", st)
	}

	// The held connect fails; the next one, held too, times out: now the
	// database is unavailable, and the error says why.
	held.Close()
	waitFor(t, "the failed connect to leave the pool", func() bool { return db.Stats().ConstructingConns == 0 })
	_, err := db.Acquire(t.Context())
	if !errors.Is(err, pgdb.ErrUnavailable) || !strings.Contains(err.Error(), "last attempt to connect failed") {
		t.Fatalf("Acquire after a failed connect = %v, want ErrUnavailable naming the failed connect", err)
	}
	held = proxy.nextHeld(t)

	// The proxy lets connections through again: the held connect completes,
	// calls succeed, and a full pool is busy again rather than unavailable.
	proxy.setHold(false)
	proxy.pass(held)
	waitFor(t, "the held connect to complete", func() bool { return db.Stats().IdleConns == 1 })
	conn, err := db.Acquire(t.Context())
	if err != nil {
		t.Fatalf("Acquire once connects go through: %v", err)
	}
	defer conn.Release()
	if _, err := db.Acquire(t.Context()); !errors.Is(err, pgdb.ErrBusy) {
		t.Fatalf("Acquire on a full pool after recovery = %v, want ErrBusy", err)
	}
}

// waitFor polls cond until it holds, failing the test after 10s. It waits
// for an event the test caused, not for time to pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// holdingProxy forwards TCP connections to Postgres. While holding, it
// accepts new connections without forwarding them, so a connect hangs in
// its handshake until the test passes or closes it.
type holdingProxy struct {
	url      string
	upstream string
	held     chan net.Conn

	mu    sync.Mutex
	hold  bool
	conns []net.Conn // every connection, closed at the end
	wg    sync.WaitGroup
}

func newHoldingProxy(t *testing.T, dbURL string) *holdingProxy {
	t.Helper()
	cfg, err := pgconn.ParseConfig(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	if strings.HasPrefix(cfg.Host, "/") {
		t.Fatalf("TEST_DATABASE_URL points at a unix socket (%s): this test proxies TCP", cfg.Host)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &holdingProxy{
		upstream: net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port))),
		held:     make(chan net.Conn, 16),
	}
	p.url = fmt.Sprintf("host=127.0.0.1 port=%d user='%s' password='%s' dbname='%s' sslmode=disable",
		ln.Addr().(*net.TCPAddr).Port, cfg.User, cfg.Password, cfg.Database)
	t.Cleanup(func() {
		ln.Close()
		p.mu.Lock()
		for _, c := range p.conns {
			c.Close()
		}
		p.mu.Unlock()
		p.wg.Wait()
	})
	p.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.mu.Lock()
			p.conns = append(p.conns, c)
			hold := p.hold
			p.mu.Unlock()
			if hold {
				p.held <- c
				continue
			}
			p.pass(c)
		}
	})
	return p
}

func (p *holdingProxy) setHold(hold bool) {
	p.mu.Lock()
	p.hold = hold
	p.mu.Unlock()
}

// nextHeld returns the next connection the proxy holds.
func (p *holdingProxy) nextHeld(t *testing.T) net.Conn {
	t.Helper()
	select {
	case c := <-p.held:
		return c
	case <-time.After(10 * time.Second):
		t.Fatal("no connection reached the proxy")
		return nil
	}
}

// pass forwards c to Postgres until either side closes.
func (p *holdingProxy) pass(c net.Conn) {
	p.wg.Go(func() {
		defer c.Close()
		up, err := net.Dial("tcp", p.upstream)
		if err != nil {
			return
		}
		p.mu.Lock()
		p.conns = append(p.conns, up)
		p.mu.Unlock()
		defer up.Close()
		done := make(chan struct{}, 2)
		go func() { _, _ = io.Copy(up, c); done <- struct{}{} }()
		go func() { _, _ = io.Copy(c, up); done <- struct{}{} }()
		<-done
	})
}
