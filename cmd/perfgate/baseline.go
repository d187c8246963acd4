package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/perfgate/perfgate/gate"
	"github.com/perfgate/perfgate/gate/baseline"
	"github.com/perfgate/perfgate/gate/report"
	suiterun "github.com/perfgate/perfgate/gate/run"
)

const baselineUsage = `usage: perfgate baseline update [--from DIR] [--config perfgate.yml] [--profile P] [--suite NAMES]

update writes baselines/<suite>.txt for every benchmark suite (with --profile P,
baselines/P/<suite>.txt: a profile's results have baselines of their own). With --from,
it takes the results of a previous run in DIR (e.g. perfgate-out after
perfgate dry-run); without it, it provisions Postgres and runs the suites
first. Commit the files: they are what later runs are compared with.
`

// baselineVerb is `perfgate baseline update`.
func baselineVerb(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] != "update" {
		fmt.Fprint(e.stderr, baselineUsage)
		return usageError("baseline: want the subcommand update")
	}
	fs := newFlagSet(e, "baseline update", baselineUsage)
	var f gateFlags
	fs.StringVar(&f.config, "config", "perfgate.yml", "path of the gate configuration")
	from := fs.String("from", "", "take the results of a previous run in `DIR` instead of running the suites")
	fs.StringVar(&f.out, "out", "perfgate-out", "output directory of the run made when --from is not given")
	fs.StringVar(&f.profile, "profile", "", "run each suite's named `profile`")
	fs.StringVar(&f.postgres, "postgres", "", "override the Postgres provider: auto, url, docker, local or none")
	fs.StringVar(&f.suites, "suite", "", "update only these suites' baselines: a comma list of `NAMES`")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError("baseline update: unexpected arguments %q", fs.Args())
	}
	g, err := loadGate(f)
	if err != nil {
		return err
	}
	dir := *from
	if dir == "" {
		r, err := g.run(ctx, e)
		if err != nil {
			return err
		}
		if _, err := g.writeReport(r, e.getenv); err != nil {
			return infraError(err)
		}
		dir = g.out
	}
	env := g.environment(ctx, dir)
	written := 0
	for _, s := range g.cfg.Suites {
		res, err := suiterun.ReadResults(dir, s.Name)
		if errors.Is(err, suiterun.ErrNoResults) {
			return usageError("baseline update: no results of suite %s in %s: run perfgate dry-run first, or drop --from", s.Name, dir)
		}
		if err != nil {
			return infraError(fmt.Errorf("baseline update: %w", err))
		}
		senv := env
		re := res.Environment()
		senv.GOOS, senv.GOARCH, senv.CPU = re.GOOS, re.GOARCH, re.CPU
		err = baseline.Write(g.baselines, s.Name, res.BenchRecords(), senv)
		if errors.Is(err, baseline.ErrNoResults) {
			fmt.Fprintf(e.stderr, "perfgate: suite %s printed no benchmark results: no baseline written\n", s.Name)
			continue
		}
		if err != nil {
			return infraError(fmt.Errorf("baseline update: %w", err))
		}
		written++
		fmt.Fprintf(e.stderr, "perfgate: wrote %s\n", baseline.Path(g.baselines, s.Name))
	}
	if written == 0 {
		return usageError("baseline update: no suite printed benchmark results")
	}
	return nil
}

// environment describes the run whose results are in dir: from its
// report.json when it has one, else from this machine now.
func (g *gateRun) environment(ctx context.Context, dir string) (env gate.Environment) {
	if f, err := os.Open(filepath.Join(dir, "report.json")); err == nil {
		defer f.Close()
		if r, err := report.ReadJSON(f); err == nil {
			return r.Environment
		}
	}
	env.GoVersion = goVersion(ctx)
	env.HeadCommit = gitHead(ctx, g.root)
	return env
}
