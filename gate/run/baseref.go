package run

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/perfgate/perfgate/gate"
)

// BaseRefRun is the outcome of RunBaseRef: each suite run on the merge-base
// and on the working tree, rounds interleaved.
type BaseRefRun struct {
	// Ref is the reference as given, e.g. origin/main.
	Ref string
	// BaseCommit is the merge-base of Ref and HEAD; HeadCommit is HEAD.
	BaseCommit, HeadCommit string
	// Base and Head hold one Result per suite, in the order of the suites.
	Base, Head []*Result
	// BaseFailures are the suites that could not run on the merge-base,
	// typically because the change under test adds them. Such a suite's
	// base rounds stop at the failure, a warning says so in both of its
	// Results, and its head rounds go on.
	BaseFailures []*SuiteError
}

// RunBaseRef runs every suite on the merge-base of ref and HEAD as well as
// on the working tree, so that both are measured on the same machine at
// the same time. The merge-base is checked out in a temporary git worktree,
// removed at the end, also on error. For each suite it runs Count rounds of
// each side, interleaved base, head, base, head…, so that a drift of the
// machine's speed during the run affects both sides alike.
//
// The same command runs in both trees (the base's perfgate.yml is not
// read). Raw outputs go to OutDir/<suite>/base-run-<i>.txt and
// head-run-<i>.txt, results to base-results.txt and results.txt. Errors are
// as for Run, with two differences: a ref that does not resolve is an error
// that says to fetch it, and a suite failing on the base side is recorded
// in BaseFailures rather than returned, since the change under test may
// be what adds it.
func (r *Runner) RunBaseRef(ctx context.Context, ref string, suites []gate.Suite) (*BaseRefRun, error) {
	rr, err := r.config()
	if err != nil {
		return nil, err
	}
	prefix, err := rr.git(ctx, rr.Dir, "rev-parse", "--show-prefix")
	if err != nil {
		return nil, fmt.Errorf("--base-ref needs a git repository: %w", err)
	}
	head, err := rr.git(ctx, rr.Dir, "rev-parse", "HEAD")
	if err != nil {
		return nil, err
	}
	base, err := rr.git(ctx, rr.Dir, "merge-base", ref, "HEAD")
	if err != nil {
		return nil, fmt.Errorf("find the merge-base of %s and HEAD: %w; fetch it first (actions/checkout with fetch-depth: 0, or git fetch origin)", ref, err)
	}
	out := &BaseRefRun{Ref: ref, BaseCommit: base, HeadCommit: head}
	rr.goflags = rr.goEnv(ctx, "GOFLAGS")

	tmp, err := os.MkdirTemp("", "perfgate-base-")
	if err != nil {
		return nil, fmt.Errorf("create worktree directory: %w", err)
	}
	tree := filepath.Join(tmp, "base")
	defer rr.removeWorktree(ctx, tmp, tree)
	if _, err := rr.git(ctx, rr.Dir, "worktree", "add", "--detach", tree, base); err != nil {
		return nil, fmt.Errorf("check out the merge-base %s: %w", short(base), err)
	}
	baseDir := filepath.Join(tree, filepath.FromSlash(prefix))
	rr.Logger.DebugContext(ctx, "base worktree", "ref", ref, "base", base, "head", head, "dir", baseDir)

	for i, s := range suites {
		s = s.WithDefaults().ForProfile(rr.Profile)
		if err := rr.prepare(s.Name); err != nil {
			return out, err
		}
		b, h := newResult(s), newResult(s)
		baseFailed := func(se *SuiteError) {
			// The change under test may add the suite or what it runs:
			// the base lacking it is no reason to stop.
			out.BaseFailures = append(out.BaseFailures, se)
			msg := fmt.Sprintf("suite %s failed on the merge-base %s: %s (output in %s); its results after that have no base to compare with",
				s.Name, short(base), se.Reason, se.Output)
			b.Summary.Warnings = append(b.Summary.Warnings, msg)
			h.Summary.Warnings = append(h.Summary.Warnings, msg)
		}
		if s.Go != nil {
			sides := []*side{
				{name: "base", dir: baseDir, prefix: "base-run-", res: b},
				{name: "head", dir: rr.Dir, prefix: "head-run-", res: h},
			}
			if err := rr.runGo(ctx, s, i+1, len(suites), sides, baseFailed); err != nil {
				return out, err
			}
		}
		baseBroken := false
		for run := 1; run <= s.Count && s.Go == nil; run++ {
			if !baseBroken {
				j := job{suite: s, pos: i + 1, total: len(suites), run: run, side: "base", dir: baseDir,
					file: fmt.Sprintf("base-run-%d.txt", run)}
				err := rr.runOnce(ctx, j, b)
				var se *SuiteError
				switch {
				case errors.As(err, &se):
					baseBroken = true
					baseFailed(se)
				case err != nil:
					return out, err
				}
			}
			j := job{suite: s, pos: i + 1, total: len(suites), run: run, side: "head", dir: rr.Dir,
				file: fmt.Sprintf("head-run-%d.txt", run)}
			if err := rr.runOnce(ctx, j, h); err != nil {
				return out, err
			}
		}
		if err := rr.finish(b, BaseResultsPath(rr.outDir(), s.Name)); err != nil {
			return out, err
		}
		if err := rr.finish(h, ResultsPath(rr.outDir(), s.Name)); err != nil {
			return out, err
		}
		out.Base = append(out.Base, b)
		out.Head = append(out.Head, h)
	}
	return out, nil
}

// removeWorktree removes the base worktree and its directory, even after
// ctx is cancelled.
func (r *Runner) removeWorktree(ctx context.Context, tmp, tree string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	if _, err := r.git(ctx, r.Dir, "worktree", "remove", "--force", tree); err != nil {
		r.Logger.WarnContext(ctx, "remove base worktree", "dir", tree, "err", err)
	}
	if err := os.RemoveAll(tmp); err != nil {
		r.Logger.WarnContext(ctx, "remove base worktree", "dir", tmp, "err", err)
	}
	// Forget the worktree even if its removal failed half-way.
	_, _ = r.git(ctx, r.Dir, "worktree", "prune")
}

// git runs a git command in dir and returns its trimmed stdout, or an
// error carrying its stderr.
func (r *Runner) git(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	cmd.Env = r.Env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return "", fmt.Errorf("git %s: %s", strings.Join(args, " "), msg)
	}
	return strings.TrimSpace(stdout.String()), nil
}

// goEnv is `go env key` under r.Env: the value of the environment or else
// of the file `go env -w` writes. Where no go command answers (a suite
// that is not Go) it is the environment's value.
func (r *Runner) goEnv(ctx context.Context, key string) string {
	cmd := exec.CommandContext(ctx, "go", "env", key)
	cmd.Dir = r.Dir
	cmd.Env = r.Env
	out, err := cmd.Output()
	if err != nil {
		r.Logger.DebugContext(ctx, "go env unavailable", "key", key, "err", err)
		return newEnviron(r.Env).value(key)
	}
	return strings.TrimSpace(string(out))
}

func short(sha string) string {
	if len(sha) > 12 {
		return sha[:12]
	}
	return sha
}
