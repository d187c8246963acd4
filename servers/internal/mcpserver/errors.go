package mcpserver

import (
	"errors"
	"flag"
	"fmt"
)

// Exit codes a server's main maps errors to (see ExitCode).
const (
	ExitOK    = 0
	ExitError = 1 // a failure while serving
	ExitUsage = 2 // a bad flag, environment variable or setting
	ExitInfra = 3 // the environment stops the server from starting: a taken port
)

// AddrInUseError is returned when another process holds the listen address.
type AddrInUseError struct {
	Addr      string // as configured, e.g. 127.0.0.1:8731
	Program   string // e.g. codebase-mcp
	EnvPrefix string // e.g. CODEBASE_MCP
	Err       error
}

// Error says what happened and what to do.
func (e *AddrInUseError) Error() string {
	return fmt.Sprintf("address %s is already in use: another process (perhaps another %s) is listening on it; "+
		"stop that process, or choose a free port with --addr host:port or %s_ADDR", e.Addr, e.Program, e.EnvPrefix)
}

// Unwrap returns the listen error.
func (e *AddrInUseError) Unwrap() error { return e.Err }

// UsageError is a bad flag, environment variable or setting.
type UsageError struct {
	Err error
}

// Error returns the cause.
func (e *UsageError) Error() string { return e.Err.Error() }

// Unwrap returns the cause.
func (e *UsageError) Unwrap() error { return e.Err }

// ExitCode maps the error of ParseFlags, New or Run to the process exit
// code: 0 for nil and for -help, 3 for a taken port, 2 for a usage error,
// 1 otherwise.
func ExitCode(err error) int {
	var inUse *AddrInUseError
	var usage *UsageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return ExitOK
	case errors.As(err, &inUse):
		return ExitInfra
	case errors.As(err, &usage):
		return ExitUsage
	}
	return ExitError
}

// shuttingDown is the error of a call that arrives while the server drains.
type shuttingDown struct{}

func (shuttingDown) Error() string { return "the server is shutting down" }
func (shuttingDown) UserMessage() string {
	return "the server is shutting down: retry in a few seconds, against a server that is running"
}
func (shuttingDown) Retryable() bool { return true }
func (shuttingDown) Kind() string    { return "unavailable" }
