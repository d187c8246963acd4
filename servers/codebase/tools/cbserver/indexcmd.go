package cbserver

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/perfgate/perfgate/servers/codebase/index"
	pgstore "github.com/perfgate/perfgate/servers/codebase/postgres"
	"github.com/perfgate/perfgate/servers/codebase/tools"
	"github.com/perfgate/perfgate/servers/internal/mcpserver"
	"github.com/perfgate/perfgate/servers/internal/pgdb"
)

// Output formats of the index (text, json) and eval (text, bench)
// subcommands.
const (
	formatText  = "text"
	formatJSON  = "json"
	formatBench = "bench"
)

// indexOptions are the index subcommand's settings.
type indexOptions struct {
	project  string
	force    bool
	format   string
	dbWait   time.Duration
	timeout  time.Duration
	every    time.Duration
	logLevel slog.Level
	// server holds the root, embedder and size flags; db the database
	// flags, the server's own.
	server *Options
	db     *pgdb.Config
}

// indexFlags defines the index subcommand's flags on a new flag set: its
// own, and the server's database, root and embedder flags under the same
// names and environment variables.
func indexFlags(stderr io.Writer, getenv func(string) string) (*flag.FlagSet, *indexOptions) {
	fl := flag.NewFlagSet(Name+" index", flag.ContinueOnError)
	fl.SetOutput(stderr)
	fl.Usage = func() {
		fmt.Fprintf(fl.Output(), "usage: %s index [flags] PATH\n\n"+
			"Indexes the repository at PATH into a project, synchronously, and prints the job's counts.\n\n", Name)
		fl.PrintDefaults()
	}
	o := &indexOptions{project: index.DefaultProject, format: formatText, dbWait: time.Minute,
		every: 5 * time.Second, logLevel: slog.LevelWarn}
	fl.StringVar(&o.project, "project", o.project, "project to index into")
	fl.BoolVar(&o.force, "force", false, "re-chunk and rewrite every file; rebuild a project indexed with another embedder")
	fl.StringVar(&o.format, "format", o.format, "final report on stdout: text, or json (the job as get_indexing_status returns it)")
	fl.DurationVar(&o.dbWait, "db-wait", o.dbWait, "how long to wait for the database to be reachable")
	fl.DurationVar(&o.timeout, "timeout", 0, "cancel the job past this time (0: no limit)")
	fl.DurationVar(&o.every, "progress-interval", o.every, "time between two progress lines when stderr is not a terminal")
	fl.TextVar(&o.logLevel, "log-level", o.logLevel, "minimum level of the JSON log on stderr: debug, info, warn or error")

	cfg := Config()
	all := flag.NewFlagSet("", flag.ContinueOnError)
	cfg.RegisterFlags(all)
	o.server = registerOptions(all, getenv)
	o.db = &cfg.DB
	pickFlags(fl, all, "db-url", "db-max-conns", "db-acquire-timeout", "db-connect-timeout",
		"root", "embedder", "embed-model", "embed-url", "embed-dimension", "max-file-size", "maintenance-work-mem")
	return fl, o
}

// pickFlags defines on dst the flags of src named, sharing their values.
func pickFlags(dst, src *flag.FlagSet, names ...string) {
	for _, name := range names {
		f := src.Lookup(name)
		dst.Var(f.Value, f.Name, f.Usage)
	}
}

// splitArgs separates flags from operands, so that flags may follow the
// path as well as precede it (`index PATH --force`). It parses with a
// scratch flag set of the same definitions; on a parse error it returns
// the flags up to the bad one, for the real parse to report it.
func splitArgs(fl *flag.FlagSet, args []string) (flags, operands []string) {
	fl.SetOutput(io.Discard)
	rest := args
	for len(rest) > 0 {
		if err := fl.Parse(rest); err != nil {
			return append(flags, rest...), operands
		}
		n := len(rest) - fl.NArg()
		consumed := rest[:n]
		rest = fl.Args()
		if n > 0 && consumed[n-1] == "--" {
			flags = append(flags, consumed[:n-1]...)
			return flags, append(operands, rest...)
		}
		flags = append(flags, consumed...)
		if len(rest) > 0 {
			operands = append(operands, rest[0])
			rest = rest[1:]
		}
	}
	return flags, operands
}

// MainIndex is `codebase-mcp index [flags] PATH`: it indexes the
// repository at PATH into a project and waits for the job, showing its
// progress on stderr (a bar on a terminal, a line every
// --progress-interval otherwise), then prints the counts on stdout. Errors
// map to exit codes as the server's do: 2 for a bad flag, path or
// project (an embedder mismatch included: pass --force), 3 when the
// database cannot be used, 1 when the job fails or is interrupted.
//
// Without --root any directory may be indexed; with it (or
// CODEBASE_MCP_ROOT), only one under a root, as for the server's clients.
func MainIndex(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	scratch, _ := indexFlags(io.Discard, getenv)
	flagArgs, operands := splitArgs(scratch, args)
	fl, o := indexFlags(stderr, getenv)
	if err := mcpserver.ParseFlags(fl, flagArgs, mcpserver.EnvPrefix(Name), getenv); err != nil {
		return err
	}
	switch {
	case len(operands) == 0:
		return &mcpserver.UsageError{Err: errors.New("no repository: pass the directory to index, e.g. codebase-mcp index --project myapp ~/src/myapp")}
	case len(operands) > 1:
		return &mcpserver.UsageError{Err: fmt.Errorf("unexpected argument %q: index takes one directory", operands[1])}
	case o.format != formatText && o.format != formatJSON:
		return &mcpserver.UsageError{Err: fmt.Errorf("--format is %q: use text or json", o.format)}
	case o.timeout < 0:
		return &mcpserver.UsageError{Err: fmt.Errorf("--timeout is %s: it must not be negative", o.timeout)}
	case o.server.MaxFileSize <= 0:
		return &mcpserver.UsageError{Err: fmt.Errorf("--max-file-size is %d: it must be positive", o.server.MaxFileSize)}
	}
	if err := index.ValidateProjectName(o.project); err != nil {
		return &mcpserver.UsageError{Err: fmt.Errorf("--project: %w", err)}
	}
	root, err := resolveRepository(operands[0], o.server.Roots)
	if err != nil {
		return &mcpserver.UsageError{Err: err}
	}
	emb, err := newEmbedder(o.server.Embed, getenv)
	if err != nil {
		return err
	}
	log := mcpserver.NewLogger(stderr, o.logLevel)
	db, err := openDB(ctx, *o.db, Name+"-index", o.dbWait, log)
	if err != nil {
		return err
	}
	defer db.Close()

	store := pgstore.New(db, pgstore.Config{Logger: log, MaintenanceWorkMem: o.server.Store.MaintenanceWorkMem})
	var icfg index.Config
	icfg.Logger = log
	icfg.Walk.MaxFileSize = o.server.MaxFileSize
	engine, err := index.New(store, emb, icfg)
	if err != nil {
		return err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = engine.Shutdown(sctx)
	}()

	bar := newProgressPrinter(stderr, isTerminal(stderr), o.every, time.Now)
	bar.start(root, o.project, emb.Model())
	job, err := engine.Submit(ctx, index.Request{Root: root, Project: o.project, Force: o.force}, bar.update)
	var mismatch *index.MismatchError
	switch {
	case errors.As(err, &mismatch):
		return &mcpserver.UsageError{Err: fmt.Errorf("project %q was indexed with %s (dimension %d), not %s (dimension %d): pass --force to rebuild it with this embedder, or choose the embedder it was built with",
			o.project, mismatch.IndexModel, mismatch.IndexDimension, mismatch.EmbedderModel, mismatch.EmbedderDimension)}
	case errors.Is(err, pgdb.ErrUnavailable):
		return &InfraError{Err: fmt.Errorf("database: %w", err)}
	case err != nil && ctx.Err() != nil:
		return fmt.Errorf("interrupted before the indexing job started: %w", err)
	case err != nil:
		return fmt.Errorf("submit the indexing job: %w", err)
	}
	wctx := ctx
	if o.timeout > 0 {
		var cancel context.CancelFunc
		wctx, cancel = context.WithTimeout(ctx, o.timeout)
		defer cancel()
	}
	job, err = engine.Wait(wctx, job.ID, nil) // bar.update watches the job since Submit
	if err != nil {
		bar.finish()
		return fmt.Errorf("wait for job %s: %w", job.ID, err)
	}
	if !job.State.Final() {
		// Interrupted or past --timeout: cancel the job, so that its
		// writes are undone, and say so.
		cctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		job, _ = engine.Cancel(cctx, job.ID)
		cancel()
		bar.finish()
		if ctx.Err() != nil {
			return fmt.Errorf("interrupted: indexing job %s %s", job.ID, job.State)
		}
		return fmt.Errorf("indexing took more than --timeout %s: job %s %s", o.timeout, job.ID, job.State)
	}
	bar.finish()
	if err := writeJob(stdout, o.format, job); err != nil {
		return err
	}
	if job.State != index.JobSucceeded {
		return fmt.Errorf("indexing %s into project %s %s: %s", root, job.Project, job.State, job.Error)
	}
	return nil
}

// resolveRepository makes path absolute (relative to the working
// directory) with symbolic links resolved, checks that it is a directory
// and, when roots are given, that it is under one of them.
func resolveRepository(path string, roots []string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", fmt.Errorf("repository %s: %w", path, err)
	}
	fi, err := os.Stat(abs)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return "", fmt.Errorf("repository %s does not exist: pass an existing directory", path)
	case err != nil:
		return "", fmt.Errorf("repository %s: %w", path, err)
	case !fi.IsDir():
		return "", fmt.Errorf("repository %s is not a directory: pass the repository's directory", path)
	}
	if len(roots) == 0 {
		roots = []string{abs}
	}
	r, err := tools.NewRoots(roots)
	if err != nil {
		return "", fmt.Errorf("--root: %w", err)
	}
	return r.Resolve(abs)
}

// openDB starts a pool on the codebase-mcp schema and waits up to wait for
// it to be ready: a database it cannot reach or set up is an *InfraError.
func openDB(ctx context.Context, cfg pgdb.Config, app string, wait time.Duration, log *slog.Logger) (*pgdb.DB, error) {
	if cfg.URL == "" {
		return nil, &mcpserver.UsageError{Err: errors.New("no database: pass --db-url or set DATABASE_URL")}
	}
	cfg.ApplicationName = app
	cfg.Migrations = pgstore.Migrations()
	cfg.MigrationsTable = pgstore.MigrationsTable
	cfg.Logger = log
	db, err := pgdb.New(cfg)
	if err != nil {
		return nil, &mcpserver.UsageError{Err: fmt.Errorf("--db-url: %w", err)}
	}
	db.Start()
	wctx, cancel := context.WithTimeout(ctx, wait)
	err = db.WaitReady(wctx)
	cancel()
	if err != nil {
		db.Close()
		cause := err
		if c := errors.Unwrap(err); c != nil {
			cause = c
		}
		return nil, &InfraError{Err: fmt.Errorf("database not usable within %s (--db-wait): %w", wait, cause)}
	}
	return db, nil
}

// writeJob prints a finished job: its counts and timings as text, or the
// job as JSON.
func writeJob(w io.Writer, format string, j index.Job) error {
	if format == formatJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(j)
	}
	c, t := j.Counts, j.Timings
	var b strings.Builder
	fmt.Fprintf(&b, "job         %s %s\n", j.ID, j.State)
	fmt.Fprintf(&b, "project     %s\n", j.Project)
	fmt.Fprintf(&b, "repository  %s\n", j.Repository)
	fmt.Fprintf(&b, "files       %d indexed, %d unchanged, %d skipped, %d deleted\n",
		c.FilesIndexed, c.FilesUnchanged, c.FilesSkipped, c.FilesDeleted)
	if len(c.SkippedByReason) > 0 {
		reasons := make([]string, 0, len(c.SkippedByReason))
		for _, r := range slices.Sorted(maps.Keys(c.SkippedByReason)) {
			reasons = append(reasons, fmt.Sprintf("%s %d", r, c.SkippedByReason[r]))
		}
		fmt.Fprintf(&b, "skipped     %s\n", strings.Join(reasons, ", "))
	}
	fmt.Fprintf(&b, "chunks      %d written\n", c.ChunksWritten)
	fmt.Fprintf(&b, "embeddings  %d computed, %d reused\n", c.EmbeddingsComputed, c.EmbeddingsReused)
	fmt.Fprintf(&b, "time        %s (walk %s, index %s, finalize %s)\n", ms(t.TotalMS), ms(t.WalkMS), ms(t.IndexMS), ms(t.FinalizeMS))
	for _, warning := range j.Warnings {
		fmt.Fprintf(&b, "warning     %s\n", warning)
	}
	if j.Error != "" {
		fmt.Fprintf(&b, "error       %s\n", j.Error)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// ms formats milliseconds as seconds.
func ms(v int64) string { return fmt.Sprintf("%.1fs", float64(v)/1000) }
