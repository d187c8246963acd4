package suitetest

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/perfgate/perfgate/internal/pgtest"
	"github.com/perfgate/perfgate/servers/codebase/tools/cbserver"
	"github.com/perfgate/perfgate/servers/internal/mcpserver"
	"github.com/perfgate/perfgate/servers/internal/pgdb"
	"github.com/perfgate/perfgate/servers/workflow/wfserver"
)

// ReadyTimeout bounds the wait for a server's database (connection and
// migrations) at each start.
const ReadyTimeout = 60 * time.Second

// CodebaseConfig configures StartCodebase. Zero fields take defaults.
type CodebaseConfig struct {
	// Roots are the directories codebase-mcp may index. Required.
	Roots []string
	// DBURL is the database (default: a new one from pgtest.URL).
	DBURL string
	// LogLevel is the minimum level of the captured JSON log (default info:
	// the tool call lines and the server's events).
	LogLevel slog.Level
	// Mutate, when set, changes the runtime configuration before New.
	Mutate func(*mcpserver.Config)
}

// WorkflowConfig configures StartWorkflow. Zero fields take defaults.
type WorkflowConfig struct {
	// CodebaseURL is codebase-mcp's /mcp endpoint for check_code_references
	// ("" leaves it unconfigured).
	CodebaseURL string
	// CodebaseTimeout bounds a check (default 15s: generous, so that a
	// loaded machine does not turn statuses into unknown).
	CodebaseTimeout time.Duration
	// DBURL is the database (default: a new one from pgtest.URL).
	DBURL string
	// LogLevel is the minimum level of the captured JSON log (default info).
	LogLevel slog.Level
	// Mutate, when set, changes the runtime configuration before New.
	Mutate func(*mcpserver.Config)
}

// runner is what both server programs offer: *cbserver.Server and
// *mcpserver.Server.
type runner interface {
	Listen() (net.Listener, error)
	Serve(ctx context.Context, ln net.Listener) error
	DB() *pgdb.DB
}

// Server is one server program serving streamable HTTP in the test
// process. Its address and database stay the same across Restart.
type Server struct {
	// Name is the program, e.g. "codebase-mcp".
	Name string
	// Addr is host:port; Base is http://Addr; URL is Base + "/mcp".
	Addr, Base, URL string
	// DBURL is the server's database.
	DBURL string
	// Logs holds the JSON log of every run of the server.
	Logs *SyncBuffer

	t     testing.TB
	build func(cfg mcpserver.Config) (runner, error)
	cfg   mcpserver.Config

	mu      sync.Mutex
	current runner
	cancel  context.CancelFunc
	served  chan error
}

// StartCodebase starts codebase-mcp over HTTP on a free port and waits
// until its database is ready. It stops when the test ends.
func StartCodebase(t testing.TB, c CodebaseConfig) *Server {
	t.Helper()
	if len(c.Roots) == 0 {
		t.Fatal("suitetest.StartCodebase: no Roots")
	}
	cfg := cbserver.Config()
	prepare(t, &cfg, c.DBURL, c.Mutate)
	s := &Server{Name: cbserver.Name, t: t, cfg: cfg, Logs: &SyncBuffer{}}
	s.build = func(cfg mcpserver.Config) (runner, error) {
		return cbserver.New(cfg, mcpserver.Options{Logger: mcpserver.NewLogger(s.Logs, c.LogLevel)}, cbserver.Options{Roots: c.Roots})
	}
	s.start()
	return s
}

// StartWorkflow starts workflow-mcp over HTTP on a free port and waits
// until its database is ready. It stops when the test ends.
func StartWorkflow(t testing.TB, c WorkflowConfig) *Server {
	t.Helper()
	if c.CodebaseTimeout <= 0 {
		c.CodebaseTimeout = 15 * time.Second
	}
	cfg := wfserver.Config()
	prepare(t, &cfg, c.DBURL, c.Mutate)
	s := &Server{Name: wfserver.Name, t: t, cfg: cfg, Logs: &SyncBuffer{}}
	s.build = func(cfg mcpserver.Config) (runner, error) {
		return wfserver.New(cfg, mcpserver.Options{Logger: mcpserver.NewLogger(s.Logs, c.LogLevel)},
			wfserver.Options{CodebaseURL: c.CodebaseURL, CodebaseTimeout: c.CodebaseTimeout})
	}
	s.start()
	return s
}

func prepare(t testing.TB, cfg *mcpserver.Config, dbURL string, mutate func(*mcpserver.Config)) {
	t.Helper()
	cfg.Transport = mcpserver.TransportHTTP
	cfg.Addr = "127.0.0.1:0"
	if dbURL == "" {
		dbURL = pgtest.URL(t)
	}
	cfg.DB.URL = dbURL
	if mutate != nil {
		mutate(cfg)
	}
}

// start builds and serves the server on s.cfg.Addr, then pins the address
// for restarts.
func (s *Server) start() {
	t := s.t
	t.Helper()
	srv, err := s.build(s.cfg)
	if err != nil {
		t.Fatalf("%s: %v", s.Name, err)
	}
	ln, err := srv.Listen()
	if err != nil {
		t.Fatalf("%s: %v", s.Name, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln) }()

	s.mu.Lock()
	first := s.served == nil && s.Addr == ""
	s.current, s.cancel, s.served = srv, cancel, served
	s.Addr = ln.Addr().String()
	s.cfg.Addr = s.Addr
	s.Base = "http://" + s.Addr
	s.URL = s.Base + "/mcp"
	s.DBURL = s.cfg.DB.URL
	s.mu.Unlock()
	if first {
		t.Cleanup(s.Stop)
	}

	wctx, wcancel := context.WithTimeout(context.Background(), ReadyTimeout)
	defer wcancel()
	if err := srv.DB().WaitReady(wctx); err != nil {
		t.Fatalf("%s: database not ready: %v\n%s", s.Name, err, s.Logs.String())
	}
}

// Stop shuts the server down gracefully and waits for it; Serve's error,
// if any, fails the test. Stopping a stopped server does nothing.
func (s *Server) Stop() {
	s.mu.Lock()
	cancel, served := s.cancel, s.served
	s.cancel, s.served, s.current = nil, nil, nil
	s.mu.Unlock()
	if cancel == nil {
		return
	}
	cancel()
	if err := <-served; err != nil {
		s.t.Errorf("%s: Serve: %v", s.Name, err)
	}
}

// Restart stops the server if it runs and starts a new one, built the same
// way, on the same address and database.
func (s *Server) Restart() {
	s.t.Helper()
	s.Stop()
	s.start()
}

// Codebase returns the running server as codebase-mcp, or nil.
func (s *Server) Codebase() *cbserver.Server {
	s.mu.Lock()
	defer s.mu.Unlock()
	cb, _ := s.current.(*cbserver.Server)
	return cb
}

// String names the server and its address, for messages.
func (s *Server) String() string { return fmt.Sprintf("%s at %s", s.Name, s.Addr) }
