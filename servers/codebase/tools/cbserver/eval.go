package cbserver

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/perfgate/perfgate/servers/codebase/eval"
	"github.com/perfgate/perfgate/servers/codebase/index"
	pgstore "github.com/perfgate/perfgate/servers/codebase/postgres"
	"github.com/perfgate/perfgate/servers/internal/mcpserver"
	"github.com/perfgate/perfgate/servers/internal/pgdb"
)

// InfraError is a failure of the environment (the database) rather than
// of the arguments: exit code 3.
type InfraError struct{ Err error }

func (e *InfraError) Error() string { return e.Err.Error() }
func (e *InfraError) Unwrap() error { return e.Err }

// evalOptions are the eval subcommand's flags.
type evalOptions struct {
	corpus   string
	limit    int
	queries  int
	k        int
	keep     bool
	dbURL    string
	wait     time.Duration
	dbWait   time.Duration
	project  string
	format   string
	embedder *Options
}

// MainEval is `codebase-mcp eval`: it draws queries from a corpus (the Go
// standard library by default), indexes the corpus into a scratch
// project, and prints MRR@10 and Recall@10 of the lexical, vector and
// hybrid rankings: a table, or with --format bench Go benchmark format
// (BenchmarkEval/ranking=hybrid 1 0.905 mrr@10 0.991 recall@10) for perfgate.
func MainEval(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	fl := flag.NewFlagSet(Name+" eval", flag.ContinueOnError)
	fl.SetOutput(stderr)
	o := evalOptions{k: 10, queries: 1000, wait: 30 * time.Minute, format: formatText}
	fl.StringVar(&o.corpus, "corpus", "", "directory of Go code to draw queries from and index (default $(go env GOROOT)/src)")
	fl.IntVar(&o.limit, "limit", 0, "index only this many Go files of the corpus, spread over it (a subset for CI); 0 indexes the whole corpus")
	fl.IntVar(&o.queries, "queries", o.queries, "ask at most this many queries, spread over the corpus; 0 asks all")
	fl.IntVar(&o.k, "k", o.k, "hits per query that count")
	fl.BoolVar(&o.keep, "keep", false, "keep the scratch project instead of dropping it")
	fl.StringVar(&o.dbURL, "db-url", "", "PostgreSQL connection string (also $DATABASE_URL)")
	fl.DurationVar(&o.wait, "timeout", o.wait, "how long indexing the corpus may take")
	fl.DurationVar(&o.dbWait, "db-wait", time.Minute, "how long to wait for the database to be reachable")
	fl.StringVar(&o.project, "project", "", "project name (default a fresh eval-<random>)")
	fl.StringVar(&o.format, "format", o.format, "output: text (a table) or bench (Go benchmark format, for perfgate and benchstat)")
	o.embedder = registerEmbedFlags(fl, getenv)
	var sc pgstore.Config
	fl.Float64Var(&sc.RRFK, "rrf-k", 0, "tuning: k of reciprocal rank fusion (default the store's)")
	fl.Float64Var(&sc.VectorWeight, "vector-weight", 0, "tuning: weight of the vector ranking in the fusion")
	fl.Float64Var(&sc.LexicalWeight, "lexical-weight", 0, "tuning: weight of the lexical ranking in the fusion")
	fl.StringVar(&sc.RankWeights, "rank-weights", "", "tuning: ts_rank weights {D, C, B, A}")
	fl.IntVar(&sc.RankNormalization, "rank-normalization", 0, "tuning: ts_rank normalization")
	fl.IntVar(&sc.LexicalCandidates, "lexical-candidates", 0, "tuning: chunks a lexical search scores at most")
	fl.IntVar(&sc.ProbeDivisor, "probe-divisor", 0, "tuning: ivfflat.probes is the lists divided by this")
	fl.IntVar(&sc.HybridLexicalDepth, "hybrid-lexical-depth", 0, "tuning: lexical hits a hybrid search ranks")
	if err := mcpserver.ParseFlags(fl, args, mcpserver.EnvPrefix(Name), getenv); err != nil {
		return err
	}
	if o.k <= 0 || o.limit < 0 || o.queries < 0 {
		return &mcpserver.UsageError{Err: errors.New("--k must be positive, --limit and --queries not negative")}
	}
	if o.format != formatText && o.format != formatBench {
		return &mcpserver.UsageError{Err: fmt.Errorf("--format is %q: use text or bench", o.format)}
	}
	if o.dbURL == "" {
		o.dbURL = getenv("DATABASE_URL")
	}
	if o.dbURL == "" {
		return &mcpserver.UsageError{Err: errors.New("no database: pass --db-url or set DATABASE_URL")}
	}
	if o.corpus == "" {
		o.corpus = filepath.Join(goroot(), "src")
	}
	emb, err := newEmbedder(o.embedder.Embed, getenv)
	if err != nil {
		return err
	}
	log := mcpserver.NewLogger(stderr, slog.LevelWarn)

	root := o.corpus
	files, err := eval.GoFiles(root)
	if err != nil {
		return &mcpserver.UsageError{Err: fmt.Errorf("--corpus %s: %w", root, err)}
	}
	if len(files) == 0 {
		return &mcpserver.UsageError{Err: fmt.Errorf("--corpus %s holds no Go files", root)}
	}
	if o.limit > 0 {
		files = eval.Spread(files, o.limit)
		tmp, err := os.MkdirTemp("", "codebase-eval-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		if err := copyFiles(root, tmp, files); err != nil {
			return err
		}
		root = tmp
	}
	cases, err := eval.GoCases(root, files, eval.CaseOptions{Limit: o.queries})
	if err != nil {
		return err
	}
	if len(cases) == 0 {
		return &mcpserver.UsageError{Err: fmt.Errorf("no documented function in the %d files of %s", len(files), o.corpus)}
	}

	db, err := openDB(ctx, pgdb.Config{URL: o.dbURL}, Name+"-eval", o.dbWait, log)
	if err != nil {
		return err
	}
	defer db.Close()
	sc.Logger = log
	store := pgstore.New(db, sc)
	engine, err := index.New(store, emb, index.Config{Logger: log})
	if err != nil {
		return err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = engine.Shutdown(sctx)
	}()
	project := o.project
	if project == "" {
		var b [4]byte
		_, _ = rand.Read(b[:])
		project = "eval-" + hex.EncodeToString(b[:])
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "eval: indexing %s (%d Go files drawn from, %d queries) into project %s with %s\n", o.corpus, len(files), len(cases), project, emb.Model())
	job, err := engine.Submit(ctx, index.Request{Root: abs, Project: project}, nil)
	if err != nil {
		return err
	}
	if !o.keep {
		defer func() {
			if err := store.DropProject(context.WithoutCancel(ctx), project); err != nil {
				fmt.Fprintf(stderr, "eval: drop project %s: %v\n", project, err)
			}
		}()
	}
	ictx, cancel := context.WithTimeout(ctx, o.wait)
	defer cancel()
	job, err = engine.Wait(ictx, job.ID, nil)
	if err != nil {
		return err
	}
	if job.State != index.JobSucceeded {
		if ictx.Err() != nil {
			_, _ = engine.Cancel(context.Background(), job.ID)
			return &InfraError{Err: fmt.Errorf("indexing the corpus took more than --timeout %s", o.wait)}
		}
		return &InfraError{Err: fmt.Errorf("indexing the corpus %s: %s", job.State, job.Error)}
	}
	fmt.Fprintf(stderr, "eval: indexed %d files, %d chunks in %.1fs\n", job.Counts.FilesIndexed, job.Counts.ChunksWritten, float64(job.Timings.TotalMS)/1000)
	start := time.Now()
	results, err := eval.Run(ctx, engine, project, cases, o.k, eval.Modes)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "eval: %d searches in %.1fs\n", len(cases)*len(eval.Modes), time.Since(start).Seconds())
	if o.format == formatBench {
		eval.WriteBench(stdout, results)
	} else {
		eval.Write(stdout, results)
	}
	return nil
}

// registerEmbedFlags defines the embedder's flags only.
func registerEmbedFlags(fl *flag.FlagSet, getenv func(string) string) *Options {
	all := flag.NewFlagSet("", flag.ContinueOnError)
	o := registerOptions(all, getenv)
	for _, name := range []string{"embedder", "embed-model", "embed-url", "embed-dimension"} {
		f := all.Lookup(name)
		fl.Var(f.Value, f.Name, f.Usage)
	}
	return o
}

// goroot is $(go env GOROOT), or the toolchain's this binary was built
// with.
func goroot() string {
	if out, err := exec.Command("go", "env", "GOROOT").Output(); err == nil {
		if s := strings.TrimSpace(string(out)); s != "" {
			return s
		}
	}
	return runtime.GOROOT()
}

// copyFiles copies files (relative, slash-separated) from src to dst.
func copyFiles(src, dst string, files []string) error {
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join(src, filepath.FromSlash(f)))
		if err != nil {
			return err
		}
		p := filepath.Join(dst, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return err
		}
	}
	return nil
}
