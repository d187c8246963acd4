package wfserver

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/perfgate/perfgate/servers/internal/mcpserver"
	"github.com/perfgate/perfgate/servers/workflow"
	"github.com/perfgate/perfgate/servers/workflow/codeclient"
	"github.com/perfgate/perfgate/servers/workflow/postgres"
	"github.com/perfgate/perfgate/servers/workflow/wfmcp"
)

// Name is the program name: the MCP server name and the environment prefix
// WORKFLOW_MCP_.
const Name = "workflow-mcp"

// DefaultPort is the HTTP port by default.
const DefaultPort = 8732

// Version is reported in initialize, /healthz and the metrics; the command
// sets it from its build.
var Version = "dev"

// ExitCode maps Main's error to the process exit code: 0 for nil and
// -help, 2 for a bad flag or setting, 3 for a taken address, 1 otherwise.
func ExitCode(err error) int { return mcpserver.ExitCode(err) }

// Config returns the runtime defaults of workflow-mcp, its migrations
// included.
func Config() mcpserver.Config {
	cfg := mcpserver.DefaultConfig(Name, DefaultPort)
	cfg.Version = Version
	cfg.DB.Migrations = postgres.Migrations()
	cfg.DB.MigrationsTable = postgres.MigrationsTable
	// Calls allocate much and keep little: collect at 5x the live heap,
	// within 64 MiB (the server's RSS target is under 100 MB).
	cfg.GC = mcpserver.GC{Percent: 400, MemoryLimit: 64 << 20}
	return cfg
}

// Options are workflow-mcp's settings beyond the runtime's.
type Options struct {
	// ServerID keys the active project: servers with the same id share it
	// (default postgres.DefaultServer).
	ServerID string
	// CodebaseURL is codebase-mcp's streamable HTTP endpoint; "" leaves
	// code reference checks unconfigured.
	CodebaseURL string
	// CodebaseToken is the bearer token codebase-mcp requires, if any.
	CodebaseToken string
	// CodebaseTimeout bounds a check (default codeclient.DefaultTimeout).
	CodebaseTimeout time.Duration
	// Code replaces the codebase-mcp client, for tests.
	Code workflow.CodeChecker
}

// New builds the server with the workflow tools registered.
func New(cfg mcpserver.Config, rt mcpserver.Options, o Options) (*mcpserver.Server, error) {
	if rt.Instructions == "" {
		rt.Instructions = wfmcp.Instructions
	}
	srv, err := mcpserver.New(cfg, rt)
	if err != nil {
		return nil, err
	}
	logger := rt.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	tools := wfmcp.Options{
		Store:       postgres.New(srv.DB(), postgres.Config{Server: o.ServerID}),
		Code:        o.Code,
		CodebaseURL: o.CodebaseURL,
		Logger:      logger,
	}
	if tools.Code == nil && o.CodebaseURL != "" {
		tools.Code = codeclient.New(codeclient.Config{URL: o.CodebaseURL, Token: o.CodebaseToken, Timeout: o.CodebaseTimeout, Logger: logger})
	}
	wfmcp.Register(srv.MCP(), tools)
	return srv, nil
}

// Main is the program: flags and environment (WORKFLOW_MCP_...), the JSON
// log on stderr, and the server until ctx ends or, over stdio, stdin
// closes. Map its error with ExitCode.
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) error {
	cfg := Config()
	o := Options{ServerID: postgres.DefaultServer, CodebaseTimeout: codeclient.DefaultTimeout}
	var tokenFile string
	fl := flag.NewFlagSet(Name, flag.ContinueOnError)
	fl.SetOutput(stderr)
	cfg.RegisterFlags(fl)
	fl.StringVar(&o.CodebaseURL, "codebase-url", "", "codebase-mcp's streamable HTTP endpoint, e.g. http://127.0.0.1:8731/mcp, for check_code_references")
	fl.DurationVar(&o.CodebaseTimeout, "codebase-timeout", o.CodebaseTimeout, "how long check_code_references waits for codebase-mcp")
	fl.StringVar(&tokenFile, "codebase-token-file", "", "file holding the bearer token codebase-mcp requires, if any")
	fl.StringVar(&o.ServerID, "server-id", o.ServerID, "key of the active project: servers with the same id share it")
	if err := mcpserver.ParseFlags(fl, args, mcpserver.EnvPrefix(Name), getenv); err != nil {
		return err
	}
	if tokenFile != "" {
		b, err := os.ReadFile(tokenFile)
		if err != nil {
			return &mcpserver.UsageError{Err: fmt.Errorf("--codebase-token-file: %w", err)}
		}
		o.CodebaseToken = strings.TrimSpace(string(b))
	}
	if o.CodebaseTimeout <= 0 {
		return &mcpserver.UsageError{Err: fmt.Errorf("--codebase-timeout is %s: it must be positive", o.CodebaseTimeout)}
	}
	logger := mcpserver.NewLogger(stderr, cfg.LogLevel)
	srv, err := New(cfg, mcpserver.Options{Logger: logger, Stdin: stdin, Stdout: stdout}, o)
	if err != nil {
		return err
	}
	return srv.Run(ctx)
}
