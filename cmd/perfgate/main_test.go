package main

import (
	"errors"
	"flag"
	"fmt"
	"strings"
	"testing"
)

// runCLI runs perfgate in-process and returns its exit code and output.
func runCLI(t *testing.T, getenv func(string) string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut strings.Builder
	err := run(t.Context(), args, &out, &errOut, getenv)
	if err != nil {
		fmt.Fprintf(&errOut, "perfgate: %v\n", err)
	}
	return exitCode(err), out.String(), errOut.String()
}

func noEnv(string) string { return "" }

func TestUsage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		code int
		want string // in stdout or stderr
	}{
		{nil, exitUsage, "no verb"},
		{[]string{"frobnicate"}, exitUsage, `unknown verb "frobnicate"`},
		{[]string{"help"}, exitOK, "postgres start|stop"},
		{[]string{"postgres"}, exitUsage, "want start or stop"},
		{[]string{"postgres", "restart"}, exitUsage, `unknown subcommand "restart"`},
		{[]string{"postgres", "start", "--bogus"}, exitUsage, "flag provided but not defined: -bogus"},
		{[]string{"postgres", "start", "--provider", "podman"}, exitUsage, `--provider "podman"`},
		{[]string{"postgres", "start", "extra"}, exitUsage, "unexpected arguments"},
		{[]string{"postgres", "stop", "--dir"}, exitUsage, "flag needs an argument"},
		{[]string{"postgres", "start", "-h"}, exitOK, "-no-fsync"},
	}
	for _, tt := range tests {
		code, stdout, stderr := runCLI(t, noEnv, tt.args...)
		if code != tt.code || !strings.Contains(stdout+stderr, tt.want) {
			t.Errorf("perfgate %q: exit %d, output:\n%s%s\nwant exit %d and %q", tt.args, code, stdout, stderr, tt.code, tt.want)
		}
	}
}

func TestUsageListsAllVerbs(t *testing.T) {
	t.Parallel()
	_, stdout, _ := runCLI(t, noEnv, "help")
	for _, verb := range []string{"run", "dry-run", "compare", "baseline update", "postgres", "load"} {
		if !strings.Contains(stdout, "  "+verb) {
			t.Errorf("usage does not list %q:\n%s", verb, stdout)
		}
	}
}

func TestExitCode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  error
		want int
	}{
		{nil, exitOK},
		{flag.ErrHelp, exitOK},
		{usageError("bad %s", "flag"), exitUsage},
		{fmt.Errorf("wrapped: %w", usageError("bad")), exitUsage},
		{infraError(errors.New("no postgres")), exitInfra},
		{&exitError{code: exitGateFailed, err: errors.New("regression")}, exitGateFailed},
		{errors.New("anything else"), exitInfra},
	}
	for _, tt := range tests {
		if got := exitCode(tt.err); got != tt.want {
			t.Errorf("exitCode(%v) = %d, want %d", tt.err, got, tt.want)
		}
	}
}
