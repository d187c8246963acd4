package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/perfgate/perfgate/gate/postgres"
)

// stateFile is the file in --dir that records a started server for stop.
const stateFile = "perfgate-postgres.json"

const postgresUsage = `usage: perfgate postgres start [--provider P] [--dir D] [--no-fsync]
       perfgate postgres stop [--dir D]

start provides a PostgreSQL with pgvector that keeps running after perfgate
exits, prints DATABASE_URL=<url> on stdout, and records it in D for stop.
stop shuts it down and deletes its data (and the record in D).
`

// runPostgres is `perfgate postgres start|stop`.
func runPostgres(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, postgresUsage)
		return usageError("postgres: want start or stop")
	}
	switch args[0] {
	case "start":
		return postgresStart(ctx, e, args[1:])
	case "stop":
		return postgresStop(ctx, e, args[1:])
	case "help", "-h", "-help", "--help":
		fmt.Fprint(e.stdout, postgresUsage)
		return nil
	default:
		fmt.Fprint(e.stderr, postgresUsage)
		return usageError("postgres: unknown subcommand %q: want start or stop", args[0])
	}
}

func postgresStart(ctx context.Context, e *env, args []string) error {
	fset := newFlagSet(e, "postgres start", postgresUsage)
	providers := []string{postgres.ProviderAuto, postgres.ProviderURL, postgres.ProviderDocker, postgres.ProviderLocal}
	provider := fset.String("provider", postgres.ProviderAuto, "how to provide PostgreSQL: auto, url ($DATABASE_URL), docker or local")
	dir := fset.String("dir", defaultStateDir(e.getenv), "directory that records the server for stop")
	noFsync := fset.Bool("no-fsync", false, "turn off fsync and synchronous commit: faster, for tests only")
	if err := parseFlags(fset, args); err != nil {
		return err
	}
	if fset.NArg() > 0 {
		return usageError("postgres start: unexpected arguments %q", fset.Args())
	}
	if !slices.Contains(providers, *provider) {
		return usageError("postgres start: --provider %q: want one of %v", *provider, providers)
	}
	if err := os.MkdirAll(*dir, 0o700); err != nil {
		return usageError("postgres start: --dir: %w", err)
	}
	path := filepath.Join(*dir, stateFile)
	if err := clearStale(ctx, e, path); err != nil {
		return err
	}

	inst, err := postgres.Start(ctx, postgres.Options{
		Provider: *provider,
		Getenv:   e.getenv,
		NoFsync:  *noFsync,
		Detach:   true,
		Logger:   e.logger,
	})
	if err != nil {
		if errors.Is(err, postgres.ErrUnknownProvider) {
			return usageError("postgres start: %w", err)
		}
		return infraError(err)
	}
	if err := writeState(path, inst.State()); err != nil {
		if serr := inst.Stop(context.WithoutCancel(ctx)); serr != nil {
			err = errors.Join(err, serr)
		}
		return infraError(err)
	}
	fmt.Fprintf(e.stdout, "DATABASE_URL=%s\n", inst.URL)
	fmt.Fprintf(e.stderr, "perfgate: PostgreSQL (%s provider) is running; stop it with: perfgate postgres stop --dir %s\n", inst.Provider, *dir)
	return nil
}

// clearStale refuses to start over a live server recorded at path, and
// cleans up after one that is gone.
func clearStale(ctx context.Context, e *env, path string) error {
	st, err := readState(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return usageError("postgres start: %w (delete it if no server is running)", err)
	}
	inst, err := postgres.Resume(st)
	if err != nil {
		return usageError("postgres start: %s: %w (delete it if no server is running)", path, err)
	}
	if inst.Running(ctx) {
		return usageError("postgres start: a PostgreSQL (%s provider) recorded in %s is still running: stop it first with: perfgate postgres stop --dir %s",
			st.Provider, path, filepath.Dir(path))
	}
	e.logger.Info("cleaning up a stopped server's record", "state", path)
	if err := inst.Stop(ctx); err != nil {
		return infraError(fmt.Errorf("clean up stale server: %w", err))
	}
	if err := os.Remove(path); err != nil {
		return infraError(fmt.Errorf("remove stale state: %w", err))
	}
	return nil
}

func postgresStop(ctx context.Context, e *env, args []string) error {
	fset := newFlagSet(e, "postgres stop", postgresUsage)
	dir := fset.String("dir", defaultStateDir(e.getenv), "directory given to postgres start")
	if err := parseFlags(fset, args); err != nil {
		return err
	}
	if fset.NArg() > 0 {
		return usageError("postgres stop: unexpected arguments %q", fset.Args())
	}
	path := filepath.Join(*dir, stateFile)
	st, err := readState(path)
	if errors.Is(err, fs.ErrNotExist) {
		return usageError("postgres stop: no server recorded in %s (no %s): was it started with: perfgate postgres start --dir %s?", *dir, stateFile, *dir)
	}
	if err != nil {
		return usageError("postgres stop: %w", err)
	}
	inst, err := postgres.Resume(st)
	if err != nil {
		return usageError("postgres stop: %s: %w", path, err)
	}
	if err := inst.Stop(ctx); err != nil {
		return infraError(err)
	}
	if err := os.Remove(path); err != nil {
		return infraError(fmt.Errorf("remove state: %w", err))
	}
	fmt.Fprintf(e.stderr, "perfgate: PostgreSQL (%s provider) stopped\n", st.Provider)
	return nil
}

// defaultStateDir is where start and stop record the server without --dir.
func defaultStateDir(getenv func(string) string) string {
	tmp := getenv("TMPDIR")
	if tmp == "" {
		tmp = "/tmp"
	}
	return filepath.Join(tmp, "perfgate-state")
}

func readState(path string) (postgres.State, error) {
	var st postgres.State
	b, err := os.ReadFile(path)
	if err != nil {
		return st, fmt.Errorf("read state: %w", err)
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return st, fmt.Errorf("read state %s: %w", path, err)
	}
	return st, nil
}

// writeState writes st to path atomically, readable only by its owner: it
// may hold a password.
func writeState(path string, st postgres.State) error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fmt.Errorf("encode state: %w", err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("write state: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write state: %w", err)
	}
	return nil
}
