package mcpserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/pprof"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/perfgate/perfgate/servers/internal/health"
	"github.com/perfgate/perfgate/servers/internal/metrics"
	"github.com/perfgate/perfgate/servers/internal/pgdb"
	"github.com/perfgate/perfgate/servers/internal/tool"
)

// Options are what a server's main injects besides its Config.
type Options struct {
	// Logger receives the JSON log: one line per tool call, and the
	// server's events. Nil discards it. Build it with NewLogger.
	Logger *slog.Logger
	// Instructions tell the client's model how to use the server's tools.
	Instructions string
	// Stdin and Stdout carry the stdio transport (default os.Stdin and
	// os.Stdout).
	Stdin  io.Reader
	Stdout io.Writer
}

// Server is the MCP runtime one server program runs on: its MCP server
// (tools are added with tool.Add on MCP()), its database, metrics and
// health, and the stdio and HTTP transports.
type Server struct {
	cfg     Config
	log     *slog.Logger
	mcp     *server.MCPServer
	db      *pgdb.DB
	metrics *metrics.Metrics
	health  *health.Checker
	token   string
	stdin   io.Reader
	stdout  io.Writer

	streamable *server.StreamableHTTPServer
	handler    http.Handler
	calls      inflight
}

// New validates cfg and assembles a server. It does no network I/O: the
// database connects when the server runs. Errors are *UsageError.
func New(cfg Config, o Options) (*Server, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, &UsageError{Err: err}
	}
	logger := o.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{cfg: cfg, log: logger, stdin: o.Stdin, stdout: o.Stdout}
	if s.stdin == nil {
		s.stdin = os.Stdin
	}
	if s.stdout == nil {
		s.stdout = os.Stdout
	}
	if cfg.AuthTokenFile != "" {
		b, err := os.ReadFile(cfg.AuthTokenFile)
		if err != nil {
			return nil, &UsageError{Err: fmt.Errorf("--auth-token-file: %w", err)}
		}
		if s.token = strings.TrimSpace(string(b)); s.token == "" {
			return nil, &UsageError{Err: fmt.Errorf("--auth-token-file: %s is empty: put the token in it", cfg.AuthTokenFile)}
		}
	}

	dbCfg := cfg.DB
	if dbCfg.Logger == nil {
		dbCfg.Logger = logger
	}
	db, err := pgdb.New(dbCfg)
	if err != nil {
		return nil, &UsageError{Err: err}
	}
	s.db = db
	s.metrics = metrics.New(metrics.Options{Server: cfg.Name, Version: cfg.Version, Logger: logger})
	s.metrics.WatchPool(db)
	s.health = health.New(db, health.Options{Version: cfg.Version})

	opts := []server.ServerOption{
		server.WithToolCapabilities(false),
		server.WithResourceCapabilities(false, false),
		// Observe is outermost: it also logs calls refused while draining.
		server.WithToolHandlerMiddleware(tool.Observe(logger, s.metrics)),
		server.WithToolHandlerMiddleware(s.trackCall),
	}
	if o.Instructions != "" {
		opts = append(opts, server.WithInstructions(o.Instructions))
	}
	s.mcp = server.NewMCPServer(cfg.Name, cfg.Version, opts...)
	s.addResources()
	s.streamable = server.NewStreamableHTTPServer(s.mcp,
		server.WithStreamableHTTPLogger(logger),
		// guard (http.go) protects against DNS rebinding, --allowed-hosts
		// and Origin included; mcp-go's own check would refuse the allowed
		// hosts on a loopback listener, and repeat the work on every call.
		server.WithDisableLocalhostProtection(true),
	)
	s.handler = s.buildHandler()
	return s, nil
}

// MCP is the MCP server to add tools to, with tool.Add.
func (s *Server) MCP() *server.MCPServer { return s.mcp }

// DB is the server's database, for its stores.
func (s *Server) DB() *pgdb.DB { return s.db }

// Metrics is the server's registry, for instruments of its own.
func (s *Server) Metrics() *metrics.Metrics { return s.metrics }

// Health is the server's health checker.
func (s *Server) Health() *health.Checker { return s.health }

// Config is the configuration in effect, defaults filled in.
func (s *Server) Config() Config { return s.cfg }

// Handler serves /mcp, /healthz and /metrics, as Serve does.
func (s *Server) Handler() http.Handler { return s.handler }

// Run serves on the configured transport until ctx is canceled (on
// SIGTERM or SIGINT, in a main) or, over stdio, until the client closes
// stdin; then it shuts down gracefully and returns nil. A taken HTTP port
// is an *AddrInUseError.
func (s *Server) Run(ctx context.Context) error {
	s.cfg.GC.apply(os.Getenv)
	if s.cfg.CPUProfile != "" {
		stop, err := startCPUProfile(s.cfg.CPUProfile)
		if err != nil {
			return &UsageError{Err: err}
		}
		defer func() {
			if err := stop(); err != nil {
				s.log.Error("write the CPU profile", "file", s.cfg.CPUProfile, "error", err)
			}
		}()
	}
	if s.cfg.Transport == TransportStdio {
		return s.ServeStdio(ctx, s.stdin, s.stdout)
	}
	ln, err := s.Listen()
	if err != nil {
		return err
	}
	return s.Serve(ctx, ln)
}

// startCPUProfile starts profiling the process's CPU into file, and
// returns the function that stops and writes it.
func startCPUProfile(file string) (stop func() error, err error) {
	f, err := os.Create(file)
	if err != nil {
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	return func() error {
		pprof.StopCPUProfile()
		return f.Close()
	}, nil
}

// Listen opens the configured HTTP address.
func (s *Server) Listen() (net.Listener, error) {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if errors.Is(err, syscall.EADDRINUSE) {
		return nil, &AddrInUseError{Addr: s.cfg.Addr, Program: s.cfg.Name, EnvPrefix: EnvPrefix(s.cfg.Name), Err: err}
	}
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", s.cfg.Addr, err)
	}
	return ln, nil
}

// Serve serves HTTP on ln until ctx is canceled, then stops accepting
// connections, waits up to the shutdown timeout for in-flight calls,
// closes the database and returns nil.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	s.initToolMetrics()
	s.db.Start()
	defer s.closeDB()

	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: s.cfg.ReadHeaderTimeout,
		ReadTimeout:       s.cfg.ReadTimeout,
		WriteTimeout:      s.cfg.WriteTimeout,
		IdleTimeout:       s.cfg.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	var unused unusedConns
	srv.ConnState = unused.track
	// Shutdown runs this once its listeners are closed.
	srv.RegisterOnShutdown(unused.closeAll)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	addr := ln.Addr().String()
	s.log.Info("serving", "transport", "http", "addr", addr, "url", "http://"+addr+"/mcp", "version", s.cfg.Version)
	if host := hostOnly(addr); !isLoopback(host) && s.token == "" {
		s.log.Warn("listening beyond this machine without a token: set --auth-token-file", "addr", addr)
	}

	select {
	case err := <-served:
		return fmt.Errorf("serve http on %s: %w", addr, err)
	case <-ctx.Done():
	}
	s.log.Info("shutting down", "in_flight", s.calls.count(), "timeout", s.cfg.ShutdownTimeout.String())
	idle := s.calls.drain()
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	// End the streams of session clients, so their connections go idle.
	s.streamable.CloseSessions(sctx)
	if err := srv.Shutdown(sctx); err != nil {
		s.log.Warn("in-flight calls outlived the shutdown timeout: closing their connections",
			"in_flight", s.calls.count(), "timeout", s.cfg.ShutdownTimeout.String())
		srv.Close()
	}
	s.awaitCalls(idle)
	s.log.Info("stopped")
	return nil
}

// ServeStdio speaks MCP on in and out until in ends (the client went away)
// or ctx is canceled; then it waits up to the shutdown timeout for
// in-flight calls, closes the database and returns nil. Nothing but
// protocol messages is written to out. One process can serve stdio once.
func (s *Server) ServeStdio(ctx context.Context, in io.Reader, out io.Writer) error {
	s.initToolMetrics()
	s.db.Start()
	defer s.closeDB()

	stdio := server.NewStdioServer(s.mcp)
	stdio.SetErrorLogger(slog.NewLogLogger(s.log.Handler(), slog.LevelWarn))
	// Enough workers that calls beyond the pool's size wait for a
	// connection, and fail as busy, rather than queue unseen.
	server.WithWorkerPoolSize(int(s.cfg.DB.MaxConns) + 10)(stdio)

	// Listen's context is canceled only after the drain, so that calls in
	// flight at a signal can finish.
	lctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	listened := make(chan error, 1)
	go func() { listened <- stdio.Listen(lctx, in, out) }()
	s.log.Info("serving", "transport", "stdio", "version", s.cfg.Version)

	select {
	case err := <-listened:
		s.calls.drain()
		if err != nil && !errors.Is(err, context.Canceled) {
			return fmt.Errorf("serve stdio: %w", err)
		}
		s.log.Info("stdin closed: stopped")
		return nil
	case <-ctx.Done():
	}
	s.log.Info("shutting down", "in_flight", s.calls.count(), "timeout", s.cfg.ShutdownTimeout.String())
	idle := s.calls.drain()
	select {
	case <-idle:
	case <-time.After(s.cfg.ShutdownTimeout):
		s.log.Warn("in-flight calls outlived the shutdown timeout: canceling them", "in_flight", s.calls.count())
	}
	cancel()
	select {
	case <-listened:
	case <-time.After(time.Second):
	}
	s.log.Info("stopped")
	return nil
}

// awaitCalls gives handlers whose connections were closed a moment to
// return, so that the database closes with no call holding a connection.
func (s *Server) awaitCalls(idle <-chan struct{}) {
	select {
	case <-idle:
	case <-time.After(2 * time.Second):
		s.log.Warn("calls still running after shutdown", "in_flight", s.calls.count())
	}
}

// closeDB closes the database, or gives up after a few seconds when a
// stuck call holds a connection.
func (s *Server) closeDB() {
	done := make(chan struct{})
	go func() {
		s.db.Close()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		s.log.Warn("database connections still in use at exit")
	}
}

// initToolMetrics creates every tool's series at zero.
func (s *Server) initToolMetrics() {
	for name := range s.mcp.ListTools() {
		s.metrics.InitTool(name)
	}
}

// trackCall counts calls in flight, and refuses new ones while draining.
func (s *Server) trackCall(next server.ToolHandlerFunc) server.ToolHandlerFunc {
	return func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		if !s.calls.enter() {
			return nil, shuttingDown{}
		}
		defer s.calls.leave()
		return next(ctx, req)
	}
}

// addResources registers health://status and metrics://prometheus.
func (s *Server) addResources() {
	s.mcp.AddResource(mcp.NewResource("health://status", "health",
		mcp.WithResourceDescription("The server's health, as /healthz reports it: status, database, pool, uptime, version."),
		mcp.WithMIMEType("application/json"),
	), func(ctx context.Context, req mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
		b, err := json.Marshal(s.health.Check(ctx))
		if err != nil {
			return nil, err
		}
		return []mcp.ResourceContents{mcp.TextResourceContents{URI: req.Params.URI, MIMEType: "application/json", Text: string(b)}}, nil
	})
	s.mcp.AddResource(mcp.NewResource("metrics://prometheus", "metrics",
		mcp.WithResourceDescription("The server's metrics in the Prometheus text format, as /metrics serves them."),
		mcp.WithMIMEType("text/plain"),
	), func(ctx context.Context, req mcp.ReadResourceRequest) ([]mcp.ResourceContents, error) {
		var b strings.Builder
		if err := s.metrics.WriteText(&b); err != nil {
			return nil, err
		}
		return []mcp.ResourceContents{mcp.TextResourceContents{URI: req.Params.URI, MIMEType: metrics.TextContentType, Text: b.String()}}, nil
	})
}

// inflight counts calls being served, and tells when the last one of a
// drain has finished.
type inflight struct {
	mu       sync.Mutex
	n        int
	draining bool
	idle     chan struct{}
}

func (f *inflight) enter() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.draining {
		return false
	}
	f.n++
	return true
}

func (f *inflight) leave() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.n--
	if f.n == 0 && f.draining {
		close(f.idle)
	}
}

func (f *inflight) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.n
}

// drain refuses new calls from now on, and returns a channel closed once
// no call is in flight.
func (f *inflight) drain() <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.draining {
		f.draining = true
		f.idle = make(chan struct{})
		if f.n == 0 {
			close(f.idle)
		}
	}
	return f.idle
}

// NewLogger returns the JSON logger the servers write to stderr: one object
// per line, at level and above.
func NewLogger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level}))
}
