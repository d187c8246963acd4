package mcpserver_test

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/perfgate/perfgate/servers/internal/mcpserver"
)

func TestParseFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		args  []string
		env   map[string]string
		check func(mcpserver.Config) string // returns what is wrong, or ""
		err   string
	}{
		{
			name: "defaults",
			check: func(c mcpserver.Config) string {
				if c.Transport != "stdio" || c.Addr != "127.0.0.1:8731" || c.DB.AcquireTimeout != 2*time.Second ||
					c.DB.MaxConns != 10 || c.ShutdownTimeout != 15*time.Second || c.LogLevel != slog.LevelInfo {
					return fmt.Sprintf("%+v", c)
				}
				return ""
			},
		},
		{
			name: "flags",
			args: []string{"--transport", "http", "--addr", "127.0.0.1:9000", "--db-acquire-timeout", "500ms",
				"--db-max-conns", "3", "--allowed-origins", "https://a.example, https://b.example", "--log-level", "debug"},
			check: func(c mcpserver.Config) string {
				if c.Transport != "http" || c.Addr != "127.0.0.1:9000" || c.DB.AcquireTimeout != 500*time.Millisecond ||
					c.DB.MaxConns != 3 || strings.Join(c.AllowedOrigins, " ") != "https://a.example https://b.example" ||
					c.LogLevel != slog.LevelDebug {
					return fmt.Sprintf("%+v", c)
				}
				return ""
			},
		},
		{
			name: "environment",
			env: map[string]string{"CODEBASE_MCP_TRANSPORT": "http", "CODEBASE_MCP_ADDR": "127.0.0.1:9001",
				"CODEBASE_MCP_SHUTDOWN_TIMEOUT": "3s", "CODEBASE_MCP_DB_URL": "postgres://a@h/db", "CODEBASE_MCP_LABEL": "mine"},
			check: func(c mcpserver.Config) string {
				if c.Transport != "http" || c.Addr != "127.0.0.1:9001" || c.ShutdownTimeout != 3*time.Second || c.DB.URL != "postgres://a@h/db" {
					return fmt.Sprintf("%+v", c)
				}
				return ""
			},
		},
		{
			name: "flags win over the environment",
			args: []string{"--addr", "127.0.0.1:9002"},
			env:  map[string]string{"CODEBASE_MCP_ADDR": "127.0.0.1:9001"},
			check: func(c mcpserver.Config) string {
				if c.Addr != "127.0.0.1:9002" {
					return c.Addr
				}
				return ""
			},
		},
		{
			name: "DATABASE_URL as a fallback",
			env:  map[string]string{"DATABASE_URL": "postgres://b@h/db"},
			check: func(c mcpserver.Config) string {
				if c.DB.URL != "postgres://b@h/db" {
					return c.DB.URL
				}
				return ""
			},
		},
		{
			name: "the prefixed variable wins over DATABASE_URL",
			env:  map[string]string{"DATABASE_URL": "postgres://b@h/db", "CODEBASE_MCP_DB_URL": "postgres://c@h/db"},
			check: func(c mcpserver.Config) string {
				if c.DB.URL != "postgres://c@h/db" {
					return c.DB.URL
				}
				return ""
			},
		},
		{name: "bad environment value", env: map[string]string{"CODEBASE_MCP_DB_ACQUIRE_TIMEOUT": "soon"}, err: "CODEBASE_MCP_DB_ACQUIRE_TIMEOUT"},
		{name: "bad flag", args: []string{"--db-max-conns", "many"}, err: "many"},
		{name: "unknown flag", args: []string{"--colour"}, err: "colour"},
		{name: "stray argument", args: []string{"serve"}, err: "unexpected argument"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := mcpserver.DefaultConfig("codebase-mcp", 8731)
			fs := flag.NewFlagSet("codebase-mcp", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			cfg.RegisterFlags(fs)
			label := fs.String("label", "", "a flag of the server's own")
			err := mcpserver.ParseFlags(fs, tt.args, mcpserver.EnvPrefix("codebase-mcp"), func(k string) string { return tt.env[k] })
			if tt.err != "" {
				var usage *mcpserver.UsageError
				if !errors.As(err, &usage) || !strings.Contains(err.Error(), tt.err) || mcpserver.ExitCode(err) != 2 {
					t.Fatalf("ParseFlags = %v, want a usage error mentioning %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if problem := tt.check(cfg); problem != "" {
				t.Fatalf("config: %s", problem)
			}
			if tt.env["CODEBASE_MCP_LABEL"] != "" && *label != "mine" {
				t.Fatalf("the server's own flag was not read from the environment: %q", *label)
			}
		})
	}
}

func TestHelpExitsZero(t *testing.T) {
	t.Parallel()
	cfg := mcpserver.DefaultConfig("x", 1)
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	cfg.RegisterFlags(fs)
	err := mcpserver.ParseFlags(fs, []string{"-h"}, "X", func(string) string { return "" })
	if !errors.Is(err, flag.ErrHelp) || mcpserver.ExitCode(err) != 0 {
		t.Fatalf("-h: %v, exit %d", err, mcpserver.ExitCode(err))
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	base := func() mcpserver.Config {
		c := mcpserver.DefaultConfig("x-mcp", 8000)
		c.DB.URL = "postgres://u@h/db"
		return c
	}
	tests := []struct {
		name   string
		mutate func(*mcpserver.Config)
		want   string
	}{
		{"valid", func(*mcpserver.Config) {}, ""},
		{"transport", func(c *mcpserver.Config) { c.Transport = "grpc" }, "--transport"},
		{"addr", func(c *mcpserver.Config) { c.Transport, c.Addr = "http", "8000" }, "--addr"},
		{"no database", func(c *mcpserver.Config) { c.DB.URL = "" }, "DATABASE_URL"},
		{"pool", func(c *mcpserver.Config) { c.DB.MaxConns = -2 }, "at least 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := base()
			tt.mutate(&c)
			err := c.WithDefaults().Validate()
			if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Fatalf("Validate = %v, want %q", err, tt.want)
			}
			if tt.want != "" {
				if _, err := mcpserver.New(c, mcpserver.Options{}); mcpserver.ExitCode(err) != 2 {
					t.Fatalf("New = %v, want a usage error (exit 2)", err)
				}
			}
		})
	}
}

func TestExitCode(t *testing.T) {
	t.Parallel()
	inUse := &mcpserver.AddrInUseError{Addr: "127.0.0.1:8731", Program: "codebase-mcp", EnvPrefix: "CODEBASE_MCP"}
	tests := []struct {
		err  error
		want int
	}{
		{nil, 0},
		{flag.ErrHelp, 0},
		{fmt.Errorf("run: %w", inUse), 3},
		{&mcpserver.UsageError{Err: errors.New("bad")}, 2},
		{errors.New("boom"), 1},
	}
	for _, tt := range tests {
		if got := mcpserver.ExitCode(tt.err); got != tt.want {
			t.Errorf("ExitCode(%v) = %d, want %d", tt.err, got, tt.want)
		}
	}
	want := "address 127.0.0.1:8731 is already in use: another process (perhaps another codebase-mcp) is listening on it; " +
		"stop that process, or choose a free port with --addr host:port or CODEBASE_MCP_ADDR"
	if inUse.Error() != want {
		t.Errorf("message\n got %s\nwant %s", inUse.Error(), want)
	}
}

func TestMissingTokenFile(t *testing.T) {
	t.Parallel()
	c := mcpserver.DefaultConfig("x-mcp", 8000)
	c.DB.URL = "postgres://u@h/db"
	c.AuthTokenFile = t.TempDir() + "/absent"
	if _, err := mcpserver.New(c, mcpserver.Options{}); mcpserver.ExitCode(err) != 2 || !strings.Contains(err.Error(), "--auth-token-file") {
		t.Fatalf("New = %v, want a usage error naming --auth-token-file", err)
	}
}
