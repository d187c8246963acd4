package cbserver

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/perfgate/perfgate/servers/codebase"
	"github.com/perfgate/perfgate/servers/codebase/embed"
	"github.com/perfgate/perfgate/servers/codebase/index"
	pgstore "github.com/perfgate/perfgate/servers/codebase/postgres"
	"github.com/perfgate/perfgate/servers/codebase/tools"
	"github.com/perfgate/perfgate/servers/codebase/walk"
	"github.com/perfgate/perfgate/servers/internal/mcpserver"
)

// Name is the program name: the MCP server name and the environment prefix
// CODEBASE_MCP_.
const Name = "codebase-mcp"

// DefaultPort is the HTTP port by default.
const DefaultPort = 8731

// Version is reported in initialize, /healthz and the metrics; the command
// sets it from its build.
var Version = "dev"

// ExitCode maps Main's error to the process exit code: 0 for nil and
// -help, 2 for a bad flag or setting, 3 for a taken address or, for index
// and eval, a database they cannot use; 1 otherwise.
func ExitCode(err error) int {
	var infra *InfraError
	if errors.As(err, &infra) {
		return mcpserver.ExitInfra
	}
	return mcpserver.ExitCode(err)
}

// Config returns the runtime defaults of codebase-mcp, its migrations
// included.
func Config() mcpserver.Config {
	cfg := mcpserver.DefaultConfig(Name, DefaultPort)
	cfg.Version = Version
	cfg.DB.Migrations = pgstore.Migrations()
	cfg.DB.MigrationsTable = pgstore.MigrationsTable
	return cfg
}

// Options are codebase-mcp's settings beyond the runtime's. The zero value
// of a field means its default.
type Options struct {
	// Roots bound the directories the tools read (default: the working
	// directory).
	Roots []string
	// Embed chooses the embedder (default builtin); Embedder, when set,
	// replaces it (tests).
	Embed    embed.Config
	Embedder codebase.Embedder
	// MaxFileSize skips larger files (default walk.DefaultMaxFileSize).
	MaxFileSize int64
	// Jobs is how many indexing jobs run at once (default 1).
	Jobs int
	// Store and Index tune the store and the engine; their Logger and
	// Walk fields are set by New.
	Store pgstore.Config
	Index index.Config
	// ShutdownWait bounds the wait for indexing jobs to stop (default 10s).
	ShutdownWait time.Duration
}

// rootsValue is the repeatable --root flag; one value may also list
// several paths separated by the OS path list separator (environment).
type rootsValue []string

func (r *rootsValue) String() string { return strings.Join(*r, string(os.PathListSeparator)) }
func (r *rootsValue) Set(v string) error {
	for _, p := range filepath.SplitList(v) {
		if p = strings.TrimSpace(p); p != "" {
			*r = append(*r, p)
		}
	}
	return nil
}

// Main is the program: the index or eval subcommand, or the server until
// ctx ends or, over stdio, stdin closes. Map its error with ExitCode.
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) > 0 {
		switch args[0] {
		case "eval":
			return MainEval(ctx, args[1:], stdout, stderr, getenv)
		case "index":
			return MainIndex(ctx, args[1:], stdout, stderr, getenv)
		}
	}
	cfg := Config()
	fl := flag.NewFlagSet(Name, flag.ContinueOnError)
	fl.SetOutput(stderr)
	cfg.RegisterFlags(fl)
	o := registerOptions(fl, getenv)
	if err := mcpserver.ParseFlags(fl, args, mcpserver.EnvPrefix(Name), getenv); err != nil {
		return err
	}
	emb, err := newEmbedder(o.Embed, getenv)
	if err != nil {
		return err
	}
	o.Embedder = emb
	logger := mcpserver.NewLogger(stderr, cfg.LogLevel)
	srv, err := New(cfg, mcpserver.Options{Logger: logger, Stdin: stdin, Stdout: stdout}, *o)
	if err != nil {
		return err
	}
	return srv.Run(ctx)
}

// registerOptions defines codebase-mcp's own flags, with the embedder's
// defaults from its conventional environment variables.
func registerOptions(fl *flag.FlagSet, getenv func(string) string) *Options {
	o := &Options{
		Embed: embed.Config{
			Provider: strings.ToLower(strings.TrimSpace(getenv(embed.EnvProvider))),
			Model:    strings.TrimSpace(getenv(embed.EnvModel)),
		},
		MaxFileSize:  walk.DefaultMaxFileSize,
		Jobs:         index.DefaultWorkers,
		Store:        pgstore.Config{MaintenanceWorkMem: pgstore.DefaultMaintenanceWorkMem, KeepJobs: pgstore.DefaultKeepJobs},
		ShutdownWait: defaultShutdownWait,
	}
	if o.Embed.Provider == "" {
		o.Embed.Provider = embed.ProviderBuiltin
	}
	if d, err := strconv.Atoi(getenv(embed.EnvDimension)); err == nil {
		o.Embed.Dimension = d
	}
	fl.Var((*rootsValue)(&o.Roots), "root", "directory under which repositories may be indexed (repeatable; default the working directory)")
	fl.StringVar(&o.Embed.Provider, "embedder", o.Embed.Provider, "embedder: builtin (offline), ollama or openai (also $"+embed.EnvProvider+")")
	fl.StringVar(&o.Embed.Model, "embed-model", o.Embed.Model, "embedding model of ollama or openai, e.g. nomic-embed-text (also $"+embed.EnvModel+")")
	fl.StringVar(&o.Embed.BaseURL, "embed-url", "", "embedding server URL (default $"+embed.EnvOllamaURL+" or $"+embed.EnvOpenAIURL+", else the provider's)")
	fl.IntVar(&o.Embed.Dimension, "embed-dimension", o.Embed.Dimension, "vector dimension: the builtin embedder's, or the model's when it is not known")
	fl.Int64Var(&o.MaxFileSize, "max-file-size", o.MaxFileSize, "larger files are skipped as too_large")
	fl.IntVar(&o.Jobs, "index-jobs", o.Jobs, "indexing jobs run at once; more wait in a queue")
	fl.StringVar(&o.Store.MaintenanceWorkMem, "maintenance-work-mem", o.Store.MaintenanceWorkMem, "PostgreSQL maintenance_work_mem for index builds")
	fl.IntVar(&o.Store.KeepJobs, "keep-jobs", o.Store.KeepJobs, "finished indexing jobs kept per project; older ones are forgotten")
	fl.DurationVar(&o.ShutdownWait, "index-shutdown-timeout", o.ShutdownWait, "how long shutdown waits for indexing jobs to stop")
	return o
}

const defaultShutdownWait = 10 * time.Second

// Server is codebase-mcp: the MCP runtime with the store, the indexing
// engine and the tools.
type Server struct {
	*mcpserver.Server
	store  *pgstore.Store
	engine *index.Engine
	log    *slog.Logger
	o      Options
	once   sync.Once
}

// Engine is the server's indexing engine.
func (s *Server) Engine() *index.Engine { return s.engine }

// Store is the server's store.
func (s *Server) Store() *pgstore.Store { return s.store }

// New validates the options and assembles the server: store, engine and
// tools on the runtime. It does no I/O but checking the roots.
func New(cfg mcpserver.Config, rt mcpserver.Options, o Options) (*Server, error) {
	logger := rt.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if rt.Instructions == "" {
		rt.Instructions = tools.Instructions
	}
	if len(o.Roots) == 0 {
		wd, err := os.Getwd()
		if err != nil {
			return nil, &mcpserver.UsageError{Err: fmt.Errorf("no --root and no working directory: %w", err)}
		}
		o.Roots = []string{wd}
	}
	roots, err := tools.NewRoots(o.Roots)
	if err != nil {
		return nil, &mcpserver.UsageError{Err: fmt.Errorf("--root: %w", err)}
	}
	if o.MaxFileSize < 0 {
		return nil, &mcpserver.UsageError{Err: fmt.Errorf("--max-file-size is %d: it must be positive", o.MaxFileSize)}
	}
	if o.Store.KeepJobs < 0 {
		return nil, &mcpserver.UsageError{Err: fmt.Errorf("--keep-jobs is %d: it must be positive", o.Store.KeepJobs)}
	}
	if o.Jobs < 0 {
		return nil, &mcpserver.UsageError{Err: fmt.Errorf("--index-jobs is %d: it must be positive", o.Jobs)}
	}
	if o.ShutdownWait <= 0 {
		o.ShutdownWait = defaultShutdownWait
	}
	if o.Embedder == nil {
		if o.Embedder, err = newEmbedder(o.Embed, os.Getenv); err != nil {
			return nil, err
		}
	}
	s := &Server{log: logger, o: o}
	stdin := rt.Stdin
	if stdin == nil {
		stdin = os.Stdin
	}
	// Over stdio the runtime returns when stdin ends and then closes the
	// database: the engine must stop its jobs first (the runtime has no
	// shutdown hook), so it watches stdin's end.
	rt.Stdin = &eofHook{r: stdin, onEOF: s.shutdownEngine}
	if s.Server, err = mcpserver.New(cfg, rt); err != nil {
		return nil, err
	}
	o.Store.Logger = logger
	s.store = pgstore.New(s.DB(), o.Store)
	o.Index.Walk.MaxFileSize = o.MaxFileSize
	o.Index.Workers = o.Jobs
	o.Index.Logger = logger
	if s.engine, err = index.New(s.store, o.Embedder, o.Index); err != nil {
		return nil, err
	}
	tools.Register(s.MCP(), tools.Options{Engine: s.engine, Roots: roots, Walk: o.Index.Walk, Logger: logger})
	logger.Info("codebase-mcp configured", "roots", roots.Dirs(), "embedder_model", o.Embedder.Model())
	return s, nil
}

// newEmbedder builds the embedder from the flags, with the URL from the
// provider's environment variable when no flag gives it and the key from
// OPENAI_API_KEY.
func newEmbedder(c embed.Config, getenv func(string) string) (codebase.Embedder, error) {
	c.Provider = strings.ToLower(strings.TrimSpace(c.Provider))
	switch c.Provider {
	case embed.ProviderOllama:
		if c.BaseURL == "" {
			c.BaseURL = getenv(embed.EnvOllamaURL)
		}
	case embed.ProviderOpenAI:
		if c.BaseURL == "" {
			c.BaseURL = getenv(embed.EnvOpenAIURL)
		}
		c.APIKey = getenv(embed.EnvOpenAIKey)
	}
	if c.Dimension < 0 {
		return nil, &mcpserver.UsageError{Err: fmt.Errorf("--embed-dimension is %d: it must be positive", c.Dimension)}
	}
	e, err := embed.New(c, embed.Options{})
	if err != nil {
		return nil, &mcpserver.UsageError{Err: fmt.Errorf("--embedder: %w", err)}
	}
	return e, nil
}

// Run serves until ctx ends or, over stdio, stdin closes, and fails the
// jobs a previous server left running once the database is ready. On the
// way out the engine stops its jobs (failed as "server stopped during
// indexing", their writes undone) before the runtime closes the database.
func (a *Server) Run(ctx context.Context) error {
	return a.serve(ctx, func(ctx context.Context) error { return a.Server.Run(ctx) })
}

// Serve is Run over HTTP on ln.
func (a *Server) Serve(ctx context.Context, ln net.Listener) error {
	return a.serve(ctx, func(ctx context.Context) error { return a.Server.Serve(ctx, ln) })
}

func (a *Server) serve(ctx context.Context, serve func(context.Context) error) error {
	runCtx, cancelRun := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelRun()
	go func() {
		select {
		case <-ctx.Done():
			a.shutdownEngine()
			cancelRun()
		case <-runCtx.Done():
		}
	}()
	go func() {
		if err := a.DB().WaitReady(runCtx); err != nil {
			return
		}
		if _, err := a.engine.Recover(runCtx); err != nil {
			a.log.Error("fail the jobs of a stopped server", "error", err)
		}
	}()
	err := serve(runCtx)
	a.shutdownEngine()
	return err
}

// shutdownEngine stops the engine once.
func (a *Server) shutdownEngine() {
	a.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), a.o.ShutdownWait)
		defer cancel()
		if err := a.engine.Shutdown(ctx); err != nil {
			a.log.Error("stop indexing jobs", "error", err)
		}
	})
}

// eofHook calls onEOF, once, before returning the end of r.
type eofHook struct {
	r     io.Reader
	onEOF func()
}

func (h *eofHook) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	if errors.Is(err, io.EOF) {
		h.onEOF()
	}
	return n, err
}
