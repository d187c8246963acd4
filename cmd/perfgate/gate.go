package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/perfgate/perfgate/gate"
	"github.com/perfgate/perfgate/gate/baseline"
	"github.com/perfgate/perfgate/gate/compare"
	"github.com/perfgate/perfgate/gate/config"
	"github.com/perfgate/perfgate/gate/github"
	"github.com/perfgate/perfgate/gate/postgres"
	"github.com/perfgate/perfgate/gate/report"
	suiterun "github.com/perfgate/perfgate/gate/run"
	"github.com/perfgate/perfgate/internal/atomicfile"
)

const gateUsage = `usage: perfgate run [flags]
       perfgate dry-run [flags]

run provisions PostgreSQL, runs the suites of perfgate.yml, compares their
results with the committed baselines (or, with --base-ref, with the merge-base
run on this machine), writes the report, and in GitHub Actions publishes it:
outputs, step summary, annotations and one PR comment. dry-run does the same
locally and posts nothing: it prints the report and writes the comment it
would have posted.

Exit codes: 0 pass, 1 the gate failed, 2 usage or config error, 3 infrastructure error.
`

// gateFlags are the flags of run and dry-run.
type gateFlags struct {
	config   string
	out      string
	baseRef  string
	profile  string
	postgres string
	comment  string
	failOn   string
	suites   string
}

func (f *gateFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.config, "config", config.DefaultFile, "path of the gate configuration")
	fs.StringVar(&f.out, "out", "perfgate-out", "directory for raw outputs, report.json and comment.md")
	fs.StringVar(&f.baseRef, "base-ref", "", "also run the merge-base of `REF` in a git worktree, interleaved, and compare with it")
	fs.StringVar(&f.profile, "profile", "", "run each suite's named `profile` (e.g. quick)")
	fs.StringVar(&f.postgres, "postgres", "", "override the Postgres provider: auto, url, docker, local or none")
	fs.StringVar(&f.comment, "comment", "", "override the comment mode: always, changed, alert or never")
	fs.StringVar(&f.failOn, "fail-on", "", "override what fails the job: a comma list of regression, target, test")
	fs.StringVar(&f.suites, "suite", "", "run only these suites of the configuration: a comma list of `NAMES`")
}

// runGateVerb is `perfgate run`: in GitHub Actions it reads the action's
// inputs and publishes the report.
func runGateVerb(ctx context.Context, e *env, args []string) error {
	return gateVerb(ctx, e, "run", args, true)
}

// dryRunVerb is `perfgate dry-run`.
func dryRunVerb(ctx context.Context, e *env, args []string) error {
	return gateVerb(ctx, e, "dry-run", args, false)
}

func gateVerb(ctx context.Context, e *env, name string, args []string, publish bool) error {
	var f gateFlags
	fs := newFlagSet(e, name, gateUsage)
	f.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError("%s: unexpected arguments %q", name, fs.Args())
	}

	var in github.Inputs
	if publish && e.getenv("GITHUB_ACTIONS") == "true" {
		var err error
		if in, err = github.ReadInputs(e.getenv, e.stdout); err != nil {
			return usageError("%s: %w", name, err)
		}
		// An explicit flag wins over the action's input.
		set := map[string]bool{}
		fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
		for _, o := range []struct {
			flag  string
			dst   *string
			input string
		}{
			{"config", &f.config, in.Config},
			{"base-ref", &f.baseRef, in.BaseRef},
			{"comment", &f.comment, in.Comment},
			{"fail-on", &f.failOn, in.FailOn},
			{"profile", &f.profile, in.Profile},
			{"suite", &f.suites, in.Suites},
		} {
			if !set[o.flag] && o.input != "" {
				*o.dst = o.input
			}
		}
	}

	g, err := loadGate(f)
	if err != nil {
		return err
	}
	r, err := g.run(ctx, e)
	if err != nil {
		return err
	}

	markdown, err := g.writeReport(r, e.getenv)
	if err != nil {
		return infraError(err)
	}
	if err := report.Text(e.stdout, r); err != nil {
		return infraError(fmt.Errorf("print report: %w", err))
	}
	if publish {
		res, err := github.Publish(ctx, r, markdown, github.Options{
			Token:      in.Token,
			Mode:       g.mode,
			ReportPath: g.reportPath(),
			Getenv:     e.getenv,
			Stdout:     e.stdout,
		})
		if err != nil {
			// Publishing never decides the job: the verdict does.
			e.logger.Warn("publishing the report failed", "err", err)
		} else if res.Comment != "" && res.Comment != github.OutcomeNone {
			e.logger.Info("PR comment", "outcome", res.Comment, "url", res.CommentURL)
		}
	} else {
		fmt.Fprintf(e.stderr, "perfgate: dry run: nothing posted; the comment is in %s\n", filepath.Join(f.out, "comment.md"))
	}
	// What perfgate itself costs: everything but Postgres and the suites.
	e.logger.Info("run finished", "verdict", r.Verdict, "postgres_and_suites", g.suitesTime.Round(time.Millisecond),
		"perfgate_overhead", (time.Since(g.started) - g.suitesTime).Round(time.Millisecond))
	if r.Verdict == gate.Fail {
		return &exitError{code: exitGateFailed, err: fmt.Errorf("the gate failed: %s", joinReasons(r.Reasons))}
	}
	return nil
}

// gateRun is one configured run of the gate.
type gateRun struct {
	flags      gateFlags
	cfg        *gate.Config
	root       string // directory of perfgate.yml, where suites run
	out        string // absolute output directory
	baselines  string
	mode       gate.CommentMode
	failOn     gate.FailOn
	started    time.Time
	suitesTime time.Duration // time spent in the suites and starting Postgres
}

// loadGate reads the configuration and applies the flags; every mistake is
// a usage error.
func loadGate(f gateFlags) (*gateRun, error) {
	cfg, err := config.Load(f.config)
	if err != nil {
		return nil, usageError("%w", err)
	}
	if err := config.CheckProfile(cfg, f.profile); err != nil {
		return nil, usageError("--profile: %w", err)
	}
	g := &gateRun{flags: f, cfg: cfg, mode: cfg.Comment, failOn: cfg.FailOn, started: time.Now()}
	if f.comment != "" {
		if g.mode, err = config.ParseCommentMode(f.comment); err != nil {
			return nil, usageError("--comment: %w", err)
		}
	}
	if f.failOn != "" {
		if g.failOn, err = config.ParseFailOn(f.failOn); err != nil {
			return nil, usageError("--fail-on: %w", err)
		}
	}
	if f.postgres != "" {
		switch f.postgres {
		case "none", postgres.ProviderAuto, postgres.ProviderURL, postgres.ProviderDocker, postgres.ProviderLocal:
			cfg.Postgres = f.postgres
		default:
			return nil, usageError("--postgres %q: want auto, url, docker, local or none", f.postgres)
		}
	}
	if f.suites != "" {
		if cfg.Suites, err = selectSuites(cfg.Suites, f.suites); err != nil {
			return nil, usageError("--suite: %w", err)
		}
	}
	if g.root, err = filepath.Abs(filepath.Dir(f.config)); err != nil {
		return nil, usageError("--config: %w", err)
	}
	if g.out, err = filepath.Abs(f.out); err != nil {
		return nil, usageError("--out: %w", err)
	}
	g.baselines = config.BaselineDir(f.config, cfg, f.profile)
	return g, nil
}

func (g *gateRun) reportPath() string { return filepath.Join(g.out, "report.json") }

// run provisions Postgres, runs the suites and builds the decided report.
func (g *gateRun) run(ctx context.Context, e *env) (*gate.Report, error) {
	t0 := time.Now()
	dbURL, provider, stop, err := startPostgres(ctx, e, g.cfg.Postgres)
	if err != nil {
		return nil, err
	}
	defer stop()

	runner := &suiterun.Runner{
		Dir:         g.root,
		OutDir:      g.out,
		DatabaseURL: dbURL,
		Profile:     g.flags.profile,
		Progress:    e.stderr,
		Logger:      e.logger,
	}
	env := gate.Environment{Provider: provider, GoVersion: goVersion(ctx), Profile: g.flags.profile}
	var pairs []compare.Pair
	var suites []*suiterun.Result
	var warnings []string
	if g.flags.baseRef != "" {
		br, err := runner.RunBaseRef(ctx, g.flags.baseRef, g.cfg.Suites)
		if err != nil {
			return nil, suiteError(err)
		}
		env.BaseCommit, env.HeadCommit = br.BaseCommit, br.HeadCommit
		env.Baseline = "base-ref " + g.flags.baseRef
		for _, f := range br.BaseFailures {
			warnings = append(warnings, fmt.Sprintf("suite %s could not run on the merge-base: %s", f.Suite, f.Reason))
		}
		for i, head := range br.Head {
			// Base and head ran interleaved: their samples are pairs.
			pairs = append(pairs, compare.Pair{Suite: head.Summary.Name, Old: setOf(br.Base[i]), New: setOf(head), Paired: true})
		}
		suites = br.Head
	} else {
		res, err := runner.Run(ctx, g.cfg.Suites)
		if err != nil {
			return nil, suiteError(err)
		}
		env.HeadCommit = gitHead(ctx, g.root)
		env.Baseline = "committed baselines"
		for _, s := range res {
			old, w, cpu := g.readBaseline(s.Summary.Name)
			warnings = append(warnings, w...)
			if cpu != "" {
				env.BaselineCPU = cpu
			}
			pairs = append(pairs, compare.Pair{Suite: s.Summary.Name, Old: old, New: setOf(s)})
		}
		suites = res
	}
	stop()
	g.suitesTime = time.Since(t0)

	r := &gate.Report{Alpha: g.cfg.Alpha}
	for _, s := range suites {
		se := s.Environment()
		env.GOOS, env.GOARCH = se.GOOS, se.GOARCH
		if se.CPU != "" {
			env.CPU = se.CPU
		}
		r.Suites = append(r.Suites, s.Summary)
		r.TestFailures = append(r.TestFailures, s.TestFailures...)
		warnings = append(warnings, s.Summary.Warnings...)
	}
	if env.BaselineCPU == env.CPU {
		env.BaselineCPU = ""
	}
	res, err := compare.Run(pairs, compare.Options{Config: g.cfg})
	if err != nil {
		return nil, usageError("compare: %w", err)
	}
	r.Comparisons, r.Targets = res.Comparisons, res.Targets
	r.Warnings = append(warnings, res.Warnings...)
	r.Environment = env
	r.Decide(g.failOn)
	r.Duration = time.Since(g.started)
	return r, nil
}

// readBaseline returns a suite's committed baseline as a compare.Set (nil
// when there is none), warnings, and the cpu it was measured on.
func (g *gateRun) readBaseline(suite string) (*compare.Set, []string, string) {
	b, err := baseline.Read(g.baselines, suite)
	if errors.Is(err, baseline.ErrNoBaseline) {
		// The profile's baselines are written by the same verb with the
		// same profile.
		update := "perfgate baseline update"
		if p := g.flags.profile; p != "" {
			update += " --profile " + p
		}
		return nil, []string{fmt.Sprintf("%v; run `%s` and commit it", err, update)}, ""
	}
	if err != nil {
		return nil, []string{fmt.Sprintf("baseline of suite %s unreadable, every benchmark is new: %v", suite, err)}, ""
	}
	return compare.FromResults(b.Results, b.UnitMap()), b.Warnings, b.Env.CPU
}

// writeReport writes report.json and comment.md into the output directory
// and returns the markdown.
func (g *gateRun) writeReport(r *gate.Report, getenv func(string) string) (string, error) {
	if err := os.MkdirAll(g.out, 0o755); err != nil {
		return "", fmt.Errorf("create output directory: %w", err)
	}
	var md strings.Builder
	if err := report.Markdown(&md, r, report.MarkdownOptions{DetailsURL: runURL(getenv)}); err != nil {
		return "", fmt.Errorf("render markdown: %w", err)
	}
	if err := atomicfile.Write(filepath.Join(g.out, "comment.md"), 0o644, func(w io.Writer) error {
		_, err := io.WriteString(w, md.String())
		return err
	}); err != nil {
		return "", err
	}
	if err := atomicfile.Write(g.reportPath(), 0o644, func(w io.Writer) error { return report.JSON(w, r) }); err != nil {
		return "", err
	}
	return md.String(), nil
}

// setOf converts a suite's run into one side of a comparison.
func setOf(r *suiterun.Result) *compare.Set {
	if r == nil {
		return nil
	}
	return compare.FromResults(r.Results(), r.UnitMap())
}

// suiteError maps the runner's errors: a suite that is missing, crashed or
// timed out is an infrastructure error; a cancelled run too.
func suiteError(err error) error {
	return infraError(err)
}

// startPostgres provisions the database the suites use, unless the provider
// is "none". stop is idempotent.
func startPostgres(ctx context.Context, e *env, provider string) (url, name string, stop func(), err error) {
	if provider == "none" {
		return "", "none", func() {}, nil
	}
	inst, err := postgres.Start(ctx, postgres.Options{Provider: provider, Getenv: e.getenv, Logger: e.logger})
	if err != nil {
		if errors.Is(err, postgres.ErrUnknownProvider) {
			return "", "", nil, usageError("postgres: %w", err)
		}
		return "", "", nil, infraError(err)
	}
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		if err := inst.Stop(context.WithoutCancel(ctx)); err != nil {
			e.logger.Warn("stopping Postgres failed", "err", err)
		}
	}
	return inst.URL, inst.Provider, stop, nil
}

// goVersion is the version of the go command the suites use, else this
// binary's.
func goVersion(ctx context.Context) string {
	out, err := exec.CommandContext(ctx, "go", "env", "GOVERSION").Output()
	if v := strings.TrimSpace(string(out)); err == nil && v != "" {
		return v
	}
	return runtime.Version()
}

// gitHead is the commit checked out in dir, or "" outside git.
func gitHead(ctx context.Context, dir string) string {
	cmd := exec.CommandContext(ctx, "git", "rev-parse", "HEAD")
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// runURL links the workflow run in Actions.
func runURL(getenv func(string) string) string {
	server, repo, id := getenv("GITHUB_SERVER_URL"), getenv("GITHUB_REPOSITORY"), getenv("GITHUB_RUN_ID")
	if server == "" || repo == "" || id == "" {
		return ""
	}
	return server + "/" + repo + "/actions/runs/" + id
}

// joinReasons lists a report's reasons for failing.
func joinReasons(reasons []string) string { return strings.Join(reasons, ", ") }

// selectSuites returns the suites named in list (comma separated), in the
// configuration's order.
func selectSuites(suites []gate.Suite, list string) ([]gate.Suite, error) {
	want := map[string]bool{}
	for _, name := range strings.Split(list, ",") {
		if name = strings.TrimSpace(name); name != "" {
			want[strings.ToLower(name)] = true
		}
	}
	if len(want) == 0 {
		return nil, fmt.Errorf("no suite named in %q", list)
	}
	var picked []gate.Suite
	known := make([]string, 0, len(suites))
	for _, s := range suites {
		known = append(known, s.Name)
		if want[strings.ToLower(s.Name)] {
			picked = append(picked, s)
			delete(want, strings.ToLower(s.Name))
		}
	}
	if len(want) > 0 {
		unknown := make([]string, 0, len(want))
		for name := range want {
			unknown = append(unknown, name)
		}
		slices.Sort(unknown)
		return nil, fmt.Errorf("no suite named %s in the configuration; it has %s", strings.Join(unknown, ", "), strings.Join(known, ", "))
	}
	return picked, nil
}
