package mcpserver

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/perfgate/perfgate/servers/internal/pgdb"
)

// Transports.
const (
	TransportStdio = "stdio"
	TransportHTTP  = "http"
)

// Defaults for the fields of Config left zero.
const (
	DefaultTransport         = TransportStdio
	DefaultMaxBodyBytes      = 4 << 20
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultReadTimeout       = 30 * time.Second
	DefaultWriteTimeout      = 2 * time.Minute
	DefaultIdleTimeout       = 2 * time.Minute
	DefaultShutdownTimeout   = 15 * time.Second
)

// Config is what a server's operator sets, by flag or environment variable
// (see RegisterFlags and ParseFlags). DefaultConfig documents the defaults.
type Config struct {
	// Name is the program, e.g. "codebase-mcp": the MCP server name, the
	// server label of the metrics, and the prefix of the environment
	// variables (CODEBASE_MCP_...). Required.
	Name string
	// Version is reported in initialize, /healthz and mcp_build_info.
	Version string

	// Transport is "stdio" (default: the client starts the server and
	// speaks on its stdin and stdout) or "http" (streamable HTTP at /mcp).
	Transport string
	// Addr is the HTTP listen address, host:port; 127.0.0.1 by default, so
	// that only this machine can connect.
	Addr string
	// AuthTokenFile, when set, names a file holding a bearer token that
	// /mcp and /metrics then require (401 without it).
	AuthTokenFile string
	// AllowedHosts are extra Host header values accepted on a loopback
	// connection, besides localhost, 127.0.0.1 and [::1] (DNS-rebinding
	// protection); on other connections, when set, the only ones accepted.
	AllowedHosts []string
	// AllowedOrigins are extra Origin header values accepted, besides
	// http(s)://localhost, 127.0.0.1 and [::1] on any port. Requests
	// without an Origin header (non-browser clients) are not affected.
	AllowedOrigins []string
	// MaxBodyBytes bounds an HTTP request body (default 4 MiB; 413 past it).
	MaxBodyBytes int64
	// HTTP server timeouts (defaults 10s, 30s, 2m, 2m). WriteTimeout bounds
	// a whole tool call over HTTP.
	ReadHeaderTimeout, ReadTimeout, WriteTimeout, IdleTimeout time.Duration
	// ShutdownTimeout bounds the wait for in-flight calls on SIGTERM/SIGINT
	// (default 15s); past it they are canceled.
	ShutdownTimeout time.Duration
	// LogLevel is the minimum level of the JSON log on stderr (default info).
	LogLevel slog.Level
	// CPUProfile, when set, names a file that Run writes a CPU profile of
	// the whole run to (pprof format, written at shutdown): for performance
	// work on the real program. Empty (the default) profiles nothing.
	CPUProfile string
	// GC tunes the garbage collector when Run starts (default: the
	// runtime's own settings). $GOGC and $GOMEMLIMIT override it.
	GC GC

	// DB configures the database. Servers set DB.Migrations and
	// DB.MigrationsTable in code; the flags set the rest.
	DB pgdb.Config
}

// DefaultConfig returns the defaults for the program name, listening on
// 127.0.0.1:port over HTTP when asked to.
func DefaultConfig(name string, port int) Config {
	return Config{
		Name:              name,
		Transport:         DefaultTransport,
		Addr:              net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
		MaxBodyBytes:      DefaultMaxBodyBytes,
		ReadHeaderTimeout: DefaultReadHeaderTimeout,
		ReadTimeout:       DefaultReadTimeout,
		WriteTimeout:      DefaultWriteTimeout,
		IdleTimeout:       DefaultIdleTimeout,
		ShutdownTimeout:   DefaultShutdownTimeout,
		LogLevel:          slog.LevelInfo,
		DB: pgdb.Config{
			MaxConns:       pgdb.DefaultMaxConns,
			AcquireTimeout: pgdb.DefaultAcquireTimeout,
			ConnectTimeout: pgdb.DefaultConnectTimeout,
		},
	}
}

// WithDefaults returns c with every zero field but Addr set to its default.
func (c Config) WithDefaults() Config {
	d := DefaultConfig(c.Name, 0)
	if c.Transport == "" {
		c.Transport = d.Transport
	}
	if c.MaxBodyBytes == 0 {
		c.MaxBodyBytes = d.MaxBodyBytes
	}
	if c.ReadHeaderTimeout == 0 {
		c.ReadHeaderTimeout = d.ReadHeaderTimeout
	}
	if c.ReadTimeout == 0 {
		c.ReadTimeout = d.ReadTimeout
	}
	if c.WriteTimeout == 0 {
		c.WriteTimeout = d.WriteTimeout
	}
	if c.IdleTimeout == 0 {
		c.IdleTimeout = d.IdleTimeout
	}
	if c.ShutdownTimeout == 0 {
		c.ShutdownTimeout = d.ShutdownTimeout
	}
	if c.DB.ApplicationName == "" {
		c.DB.ApplicationName = c.Name
	}
	// The database's own defaults are applied by pgdb.New, after New has
	// given it the server's logger.
	return c
}

// Validate reports the first setting that cannot work, saying which flag
// to change.
func (c Config) Validate() error {
	switch {
	case c.Name == "":
		return errors.New("config: no server name")
	case c.Transport != TransportStdio && c.Transport != TransportHTTP:
		return fmt.Errorf("--transport is %q: use stdio or http", c.Transport)
	case c.MaxBodyBytes <= 0:
		return fmt.Errorf("--max-body-bytes is %d: it must be positive", c.MaxBodyBytes)
	case c.ShutdownTimeout <= 0:
		return fmt.Errorf("--shutdown-timeout is %s: it must be positive", c.ShutdownTimeout)
	}
	if c.Transport == TransportHTTP {
		if _, port, err := net.SplitHostPort(c.Addr); err != nil || port == "" {
			return fmt.Errorf("--addr is %q: use host:port, e.g. 127.0.0.1:8080", c.Addr)
		}
	}
	if err := c.DB.WithDefaults().Validate(); err != nil {
		return err
	}
	return nil
}

// RegisterFlags defines the runtime's flags on fs, bound to c's fields,
// with c's values as defaults. Every flag is also an environment variable:
// see ParseFlags.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.Transport, "transport", c.Transport, "how clients connect: stdio or http")
	fs.StringVar(&c.Addr, "addr", c.Addr, "HTTP listen address, host:port (127.0.0.1 keeps it to this machine)")
	fs.StringVar(&c.AuthTokenFile, "auth-token-file", c.AuthTokenFile, "file holding a bearer token that /mcp and /metrics then require")
	fs.Var((*listValue)(&c.AllowedHosts), "allowed-hosts", "comma-separated extra Host header values to accept (DNS-rebinding protection)")
	fs.Var((*listValue)(&c.AllowedOrigins), "allowed-origins", "comma-separated extra Origin values to accept, e.g. https://app.example.com")
	fs.Int64Var(&c.MaxBodyBytes, "max-body-bytes", c.MaxBodyBytes, "largest HTTP request body accepted")
	fs.DurationVar(&c.ReadHeaderTimeout, "http-read-header-timeout", c.ReadHeaderTimeout, "time to read an HTTP request's headers")
	fs.DurationVar(&c.ReadTimeout, "http-read-timeout", c.ReadTimeout, "time to read an HTTP request")
	fs.DurationVar(&c.WriteTimeout, "http-write-timeout", c.WriteTimeout, "time to answer an HTTP request, tool call included")
	fs.DurationVar(&c.IdleTimeout, "http-idle-timeout", c.IdleTimeout, "how long an idle keep-alive connection stays open")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", c.ShutdownTimeout, "how long SIGTERM waits for in-flight calls")
	fs.TextVar(&c.LogLevel, "log-level", c.LogLevel, "minimum log level: debug, info, warn or error")
	fs.StringVar(&c.CPUProfile, "cpuprofile", c.CPUProfile, "write a CPU profile of the run to this file at shutdown (for performance work; go tool pprof reads it)")
	fs.StringVar(&c.DB.URL, "db-url", c.DB.URL, "PostgreSQL connection string (also $DATABASE_URL)")
	fs.Var((*int32Value)(&c.DB.MaxConns), "db-max-conns", "size of the database connection pool")
	fs.DurationVar(&c.DB.AcquireTimeout, "db-acquire-timeout", c.DB.AcquireTimeout, "how long a call waits for a database connection before failing as busy")
	fs.DurationVar(&c.DB.ConnectTimeout, "db-connect-timeout", c.DB.ConnectTimeout, "how long one attempt to connect to the database may take")
}

// envAliases are environment variables read, after the prefixed one, for
// the flags that have a conventional variable.
var envAliases = map[string][]string{
	"db-url": {"DATABASE_URL"},
}

// EnvPrefix turns a program name into its environment prefix:
// "codebase-mcp" -> "CODEBASE_MCP".
func EnvPrefix(name string) string {
	return strings.ToUpper(strings.NewReplacer("-", "_", ".", "_").Replace(name))
}

// EnvName is the environment variable of a flag: ("CODEBASE_MCP",
// "db-acquire-timeout") -> "CODEBASE_MCP_DB_ACQUIRE_TIMEOUT".
func EnvName(prefix, flagName string) string {
	return prefix + "_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// ParseFlags parses args into fs, then sets every flag not given on the
// command line from its environment variable, EnvName(prefix, flag), when
// that is set; --db-url also reads DATABASE_URL. It covers all of fs's
// flags, a server's own included. Errors are *UsageError.
func ParseFlags(fs *flag.FlagSet, args []string, prefix string, getenv func(string) string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &UsageError{Err: err}
	}
	if fs.NArg() > 0 {
		return &UsageError{Err: fmt.Errorf("unexpected argument %q: the server takes flags only", fs.Arg(0))}
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		if given[f.Name] {
			return
		}
		for _, name := range append([]string{EnvName(prefix, f.Name)}, envAliases[f.Name]...) {
			v := getenv(name)
			if v == "" {
				continue
			}
			if err := f.Value.Set(v); err != nil {
				errs = append(errs, fmt.Errorf("environment variable %s: %w", name, err))
			}
			return
		}
	})
	if err := errors.Join(errs...); err != nil {
		return &UsageError{Err: err}
	}
	return nil
}

// listValue is a comma-separated list flag.
type listValue []string

func (l *listValue) String() string { return strings.Join(*l, ",") }

func (l *listValue) Set(s string) error {
	*l = nil
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			*l = append(*l, v)
		}
	}
	return nil
}

// int32Value is an int32 flag.
type int32Value int32

func (v *int32Value) String() string { return strconv.FormatInt(int64(*v), 10) }

func (v *int32Value) Set(s string) error {
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil {
		return fmt.Errorf("%q is not a whole number", s)
	}
	*v = int32Value(n)
	return nil
}
