// Command perfgate is a CI-native performance regression gate: it runs
// benchmark and test suites against a real PostgreSQL, compares the results
// with committed baselines, and fails on a real regression.
//
// Exit codes: 0 pass, 1 the gate failed, 2 usage or configuration error,
// 3 infrastructure error (e.g. Postgres could not start).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

// The exit codes of DESIGN.md.
const (
	exitOK         = 0
	exitGateFailed = 1
	exitUsage      = 2
	exitInfra      = 3
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	code := exitCode(err)
	if err != nil && code != exitOK {
		fmt.Fprintf(os.Stderr, "perfgate: %v\n", err)
	}
	os.Exit(code)
}

// exitError carries the exit code an error maps to.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// usageError is a mistake in the command line or configuration: exit 2.
func usageError(format string, args ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, args...)}
}

// infraError is a failure of what the gate runs on: exit 3.
func infraError(err error) error {
	return &exitError{code: exitInfra, err: err}
}

// exitCode maps run's error to the process's exit code. An error without a
// code is an infrastructure error: something broke that is not the user's
// input nor the gate's verdict.
func exitCode(err error) int {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if e, ok := errors.AsType[*exitError](err); ok {
		return e.code
	}
	return exitInfra
}

// env is what every verb gets from run.
type env struct {
	stdout, stderr io.Writer
	getenv         func(string) string
	logger         *slog.Logger
}

// verbs maps each implemented verb to its function; add a verb here and
// implement it in its own file.
var verbs = map[string]func(ctx context.Context, e *env, args []string) error{
	"postgres": runPostgres,
	"run":      runGateVerb,
	"dry-run":  dryRunVerb,
	"compare":  compareVerb,
	"baseline": baselineVerb,
	"comment":  commentVerb,
	"load":     loadVerb,
}

const usage = `usage: perfgate <verb> [flags] [args]

Verbs:
  run                   run the suites, compare with the baselines, report on the PR; fail on a regression
  dry-run               the same locally: post nothing, print the report
  compare OLD NEW       compare two files of Go benchmark results, as benchstat does
  baseline update       write baselines/<suite>.txt from a run
  postgres start|stop   start or stop an ephemeral PostgreSQL with pgvector
  comment               post a saved report as the PR comment (fork-safe workflow_run)
  load                  drive an MCP server and print Go benchmark results

Run 'perfgate <verb> -h' for a verb's flags.
Exit codes: 0 pass, 1 the gate failed, 2 usage or config error, 3 infrastructure error.
`

// run is perfgate without the process: args exclude the program name.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return usageError("no verb given")
	}
	verb := args[0]
	switch verb {
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fn, ok := verbs[verb]
	if !ok {
		fmt.Fprint(stderr, usage)
		return usageError("unknown verb %q", verb)
	}
	e := &env{
		stdout: stdout,
		stderr: stderr,
		getenv: getenv,
		logger: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo})),
	}
	return fn(ctx, e, args[1:])
}

// newFlagSet returns a verb's flag set: errors are returned, not fatal, and
// -h prints usage followed by the flags' defaults to stderr.
func newFlagSet(e *env, name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprint(e.stderr, usage)
		fmt.Fprintf(e.stderr, "\nFlags of %s:\n", name)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses a verb's flags, turning a parse error into a usage
// error; -h yields flag.ErrHelp, which exits 0.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError("%s: %w", fs.Name(), err)
	}
	return nil
}
