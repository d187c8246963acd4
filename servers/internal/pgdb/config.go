package pgdb

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"time"
)

// Defaults for the fields of Config left zero.
const (
	DefaultMaxConns        = 10
	DefaultAcquireTimeout  = 2 * time.Second
	DefaultConnectTimeout  = 5 * time.Second
	DefaultPingTimeout     = time.Second
	DefaultRetryMin        = 250 * time.Millisecond
	DefaultRetryMax        = 10 * time.Second
	DefaultMigrationsTable = "goose_db_version"
)

// Config configures a DB. The zero value of every field but URL means its
// default; WithDefaults fills them in.
type Config struct {
	// URL is the connection string (postgres://... or key=value). Required.
	URL string

	// ApplicationName is reported to the server as application_name, so
	// pg_stat_activity tells the servers apart. Optional.
	ApplicationName string

	// MaxConns is the size of the pool (default 10).
	MaxConns int32

	// AcquireTimeout bounds how long a call waits for a pool connection,
	// including waiting for start-up to complete (default 2s). Past it the
	// call fails with ErrBusy when every connection is in use or still
	// being opened, or with ErrUnavailable when connecting failed.
	AcquireTimeout time.Duration

	// ConnectTimeout bounds each attempt to open a connection (default 5s).
	ConnectTimeout time.Duration

	// PingTimeout bounds Ping, the health check (default 1s).
	PingTimeout time.Duration

	// RetryMin and RetryMax bound the exponential backoff between start-up
	// attempts while the database is unreachable (defaults 250ms and 10s).
	// A call that finds the database not ready triggers an attempt at once.
	RetryMin, RetryMax time.Duration

	// Migrations holds goose SQL migrations (NNNNN_name.sql) at its root,
	// applied in order at start-up. Nil means none. Pass fs.Sub of an
	// embed.FS to point at a subdirectory.
	Migrations fs.FS

	// MigrationsTable is goose's version table (default
	// "goose_db_version"). Servers that share a database use their own.
	MigrationsTable string

	// Logger receives start-up, reconnection and migration events.
	// Nil discards them.
	Logger *slog.Logger
}

// WithDefaults returns c with every zero field set to its default.
func (c Config) WithDefaults() Config {
	if c.MaxConns == 0 {
		c.MaxConns = DefaultMaxConns
	}
	if c.AcquireTimeout == 0 {
		c.AcquireTimeout = DefaultAcquireTimeout
	}
	if c.ConnectTimeout == 0 {
		c.ConnectTimeout = DefaultConnectTimeout
	}
	if c.PingTimeout == 0 {
		c.PingTimeout = DefaultPingTimeout
	}
	if c.RetryMin == 0 {
		c.RetryMin = DefaultRetryMin
	}
	if c.RetryMax == 0 {
		c.RetryMax = DefaultRetryMax
	}
	if c.MigrationsTable == "" {
		c.MigrationsTable = DefaultMigrationsTable
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// Validate reports the first setting that cannot work.
func (c Config) Validate() error {
	switch {
	case c.URL == "":
		return errors.New("no database URL: set --db-url or DATABASE_URL (postgres://user@host:5432/db)")
	case c.MaxConns < 1:
		return fmt.Errorf("max connections is %d: it must be at least 1", c.MaxConns)
	case c.AcquireTimeout <= 0:
		return fmt.Errorf("acquire timeout is %s: it must be positive", c.AcquireTimeout)
	case c.ConnectTimeout <= 0 || c.PingTimeout <= 0:
		return errors.New("connect and ping timeouts must be positive")
	case c.RetryMin <= 0 || c.RetryMax < c.RetryMin:
		return fmt.Errorf("retry backoff %s..%s: both must be positive, the first not above the second", c.RetryMin, c.RetryMax)
	}
	return nil
}
